using GpuDigits.Kernels;

namespace GpuDigits.Engine;

/// <summary>Optimizer steps: over a parameter tensor, and fused with the GEMM that computes its gradient.</summary>
public abstract partial class Accelerator
{
    /// <summary>
    /// One optimizer step over a parameter tensor, in place: for every i &lt; count, (param, slots) = rule.Update(param,
    /// grad, slots) (kernels/OptimizerRules.cs; <paramref name="slots"/> holds the rule's state tensors in its slot
    /// order). The learning rate and the rule's other per-step scalars are read from device memory
    /// (<paramref name="scalars"/>, laid out as <see cref="StepScalars"/>) when the op runs, so a captured step (see
    /// <see cref="CaptureStep"/>) follows values that <see cref="Fill{T}"/> changes between replays.
    /// </summary>
    public void OptimizerStep<TRule>(TRule rule, DeviceBuffer<float> param, DeviceBuffer<float> grad,
        IReadOnlyList<DeviceBuffer<float>> slots, int count, DeviceBuffer<float> scalars)
        where TRule : struct, IOptimizerRule
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        CheckOptimizerStep(rule, param, grad, slots, count, scalars);
        if (count == 0) return;
        OptimizerStepCore(rule, param, grad, slots[0], SecondSlot(slots), count, scalars);
    }

    private void CheckOptimizerStep<TRule>(TRule rule, DeviceBuffer<float> param, DeviceBuffer<float> grad,
        IReadOnlyList<DeviceBuffer<float>> slots, long count, DeviceBuffer<float> scalars) where TRule : struct, IOptimizerRule
    {
        ArgumentNullException.ThrowIfNull(slots);
        int n = rule.Slots;
        if (n is < 1 or > 2) throw new ArgumentException($"A rule keeps 1 or 2 state tensors, not {n}.", nameof(rule));
        if (slots.Count != n) throw new ArgumentException($"The rule keeps {n} state tensors; {slots.Count} were given.", nameof(slots));
        RequireLength(param, count, nameof(param));
        RequireLength(grad, count, nameof(grad));
        for (int i = 0; i < n; i++) RequireLength(slots[i], count, SlotNames[i]);
        RequireLength(scalars, StepScalars.Length, nameof(scalars));
    }

    /// <summary>A rule of one slot gets that slot as its second one too (and must not touch it).</summary>
    private static DeviceBuffer<float> SecondSlot(IReadOnlyList<DeviceBuffer<float>> slots) => slots.Count > 1 ? slots[1] : slots[0];

    /// <summary>
    /// A parameter's gradient by GEMM, then its optimizer step: grad = alpha * op(A) * op(B) (m x n, beta 0, no bias,
    /// no activation), then <see cref="OptimizerStep{TRule}"/> over its m * n values. The same values as those two
    /// ops, which is what the default runs; the CPU backend steps each block of the gradient (up to 192 rows) right
    /// after storing it, while it is in L2, instead of streaming the whole gradient, parameter and state through a
    /// second pass.
    /// </summary>
    public void GemmOptimizerStep<TRule>(bool transA, bool transB, int m, int n, int k, float alpha,
        DeviceBuffer<float> a, DeviceBuffer<float> b, DeviceBuffer<float> grad, TRule rule, DeviceBuffer<float> param,
        IReadOnlyList<DeviceBuffer<float>> slots, DeviceBuffer<float> scalars)
        where TRule : struct, IOptimizerRule
    {
        CheckGemm(m, n, k, a, b, grad);
        CheckOptimizerStep(rule, param, grad, slots, (long)m * n, scalars);
        if (m == 0 || n == 0) return;
        GemmOptimizerStepCore(transA, transB, m, n, k, alpha, a, b, grad, rule, param, slots[0], SecondSlot(slots), scalars);
    }

    /// <summary>The parameter names of the state tensors in errors (made once: a training step allocates nothing).</summary>
    private static readonly string[] SlotNames = ["slots[0]", "slots[1]"];

    /// <summary>The step of <see cref="OptimizerStep{TRule}"/>; a rule of one slot gets that slot as <paramref name="s1"/> too, and must not touch it.</summary>
    protected abstract void OptimizerStepCore<TRule>(TRule rule, DeviceBuffer<float> param, DeviceBuffer<float> grad,
        DeviceBuffer<float> s0, DeviceBuffer<float> s1, int count, DeviceBuffer<float> scalars) where TRule : struct, IOptimizerRule;

    /// <summary>The op of <see cref="GemmOptimizerStep{TRule}"/>; by default the GEMM, then the step.</summary>
    protected virtual void GemmOptimizerStepCore<TRule>(bool transA, bool transB, int m, int n, int k, float alpha,
        DeviceBuffer<float> a, DeviceBuffer<float> b, DeviceBuffer<float> grad, TRule rule, DeviceBuffer<float> param,
        DeviceBuffer<float> s0, DeviceBuffer<float> s1, DeviceBuffer<float> scalars) where TRule : struct, IOptimizerRule
    {
        GemmCore(transA, transB, m, n, k, alpha, a, b, 0f, grad, null, Activation.None);
        OptimizerStepCore(rule, param, grad, s0, s1, m * n, scalars);
    }
}

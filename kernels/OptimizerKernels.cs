using ILGPU;
using ILGPU.Runtime;

namespace GpuDigits.Kernels;

/// <summary>
/// The one optimizer kernel: an in-place update of a flat parameter tensor by any <see cref="IOptimizerRule"/>, 1-D
/// grid-stride (thread g of G updates elements g, g + G, ...). The per-step scalars are read from device memory when
/// the kernel runs (the layout of <see cref="StepScalars"/>), so a recorded training step follows a learning rate and
/// bias corrections that the host changes between replays. A rule with one state slot is launched with that slot's
/// view twice; the second is then neither read nor written.
/// </summary>
public static class OptimizerKernels
{
    /// <summary>p, s0, s1 = rule.Update(p, g, s0, s1) for every element below <paramref name="count"/>.</summary>
    public static void Step<TRule>(TRule rule, int count, ArrayView<float> p, ArrayView<float> g, ArrayView<float> s0,
        ArrayView<float> s1, ArrayView<float> scalars)
        where TRule : struct, IOptimizerRule
    {
        var step = new StepScalars { LearningRate = scalars[0], H1 = scalars[1], H2 = scalars[2] };
        bool two = rule.Slots > 1;
        for (int i = Grid.GlobalIndex.X; i < count; i += Grid.DimX * Group.DimX)
        {
            var e = new OptimizerValues { P = p[i], G = g[i], S0 = s0[i], S1 = two ? s1[i] : 0f };
            e = rule.Update(e, step);
            p[i] = e.P;
            s0[i] = e.S0;
            if (two) s1[i] = e.S1;
        }
    }
}

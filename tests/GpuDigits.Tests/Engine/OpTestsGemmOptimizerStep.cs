using GpuDigits.Engine;
using GpuDigits.Engine.Verification;
using GpuDigits.Engine.Verification.Reference;
using NUnit.Framework;

namespace GpuDigits.Tests.Engine;

/// <summary>
/// gemm_optimizer_step: grad = alpha * op(A) op(B), then the optimizer's step from that gradient. The gradient is
/// checked against the float64 GEMM; the step against the rule's float64 reference taken from the gradient the
/// device produced (so the two checks stay apart), with the optimizer ops' tolerance.
/// </summary>
[TestFixture]
public sealed class GemmOptimizerStepOpTests : AcceleratorFixture
{
    public static readonly GemmOpTests.Shape[] Shapes =
    [
        new(1, 1, 1),
        new(7, 10, 5),       // a 10-column gradient: edge tiles only
        new(33, 17, 129),
        new(9, 32, 4100),    // small C over a long k: split along k on the CPU, stepped after the sum
        new(784, 128, 128),  // dW1 of the 784-128-10 MLP at batch 128
        new(5, 3, 0),        // k = 0: a zero gradient, still a step
    ];

    [Test]
    public void GradientAndStepMatchReference(
        [ValueSource(typeof(TestAccelerators), nameof(TestAccelerators.Selected))] string device,
        [ValueSource(nameof(Shapes))] GemmOpTests.Shape shape, [Values] bool transA,
        [ValueSource(typeof(OptimizerOpTests), nameof(OptimizerOpTests.Rules))] OptimizerOpTests.RuleCase data)
    {
        var accelerator = Device(device);
        var (m, n, k) = (shape.M, shape.N, shape.K);
        var (rule, learningRate) = (data.Rule, data.LearningRate);
        const int step = 3;
        const float alpha = 0.75f;
        int count = m * n, seed = DeviceData.Seed(m, n, k, transA ? 1 : 0, 7 + (int)rule.Definition.Kind);
        var a = OptimizerOpTests.Gradient(seed, Math.Max(1, m * k));
        var b = DeviceData.Uniform(seed + 1, Math.Max(1, k * n));
        var p = DeviceData.Uniform(seed + 2, count);
        var initial = rule.Definition.SlotNames.Select((_, i) => i == 0 ? DeviceData.Uniform(seed + 3, count, -0.5f, 0.5f) : new float[count]).ToArray();

        using var da = accelerator.Upload<float>(a);
        using var db = accelerator.Upload<float>(b);
        using var grad = DeviceData.Guarded(accelerator, DeviceData.Filled(count, float.NaN));
        using var param = DeviceData.Guarded(accelerator, p);
        var slots = initial.Select(s => DeviceData.Guarded(accelerator, s)).ToArray();
        using var scalars = accelerator.Upload<float>(rule.DeviceScalars(learningRate, step));
        try
        {
            rule.GemmStep(accelerator, transA, false, m, n, k, alpha, da, db, grad, param, slots, scalars);

            var g = DeviceData.ReadGuarded(grad, "grad");
            var expectedGrad = ReferenceOps.Gemm(transA, false, m, n, k, alpha, a, b, 0, null, null, Activation.None);
            Verify.Summed("grad", g, expectedGrad, KernelTolerances.Gemm, KernelTolerances.Gemm);

            var rp = OptimizerOpTests.Widen(p);
            var rs = initial.Select(OptimizerOpTests.Widen).ToArray();
            rule.Reference(rp, OptimizerOpTests.Widen(g), rs, learningRate, step);
            for (int i = 0; i < slots.Length; i++)
                OptimizerOpTests.CheckUpdate(rule.Definition.SlotNames[i], DeviceData.ReadGuarded(slots[i], rule.Definition.SlotNames[i]),
                    OptimizerOpTests.Widen(initial[i]), rs[i]);
            OptimizerOpTests.CheckUpdate("param", DeviceData.ReadGuarded(param, "param"), OptimizerOpTests.Widen(p), rp);
            DeviceData.Unchanged(da, a, "A");
            DeviceData.Unchanged(db, b, "B");
        }
        finally
        {
            foreach (var s in slots) s.Dispose();
        }
    }
}

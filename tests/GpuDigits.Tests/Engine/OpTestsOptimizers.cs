using GpuDigits.Engine.Verification;
using GpuDigits.Engine;
using GpuDigits.Engine.Verification.Reference;
using NUnit.Framework;

namespace GpuDigits.Tests.Engine;

/// <summary>
/// sgd_momentum and adam over several consecutive steps. Before each step the reference takes the device's state
/// (widened to double), so every step is checked on its own, with its own step number, from identical inputs.
/// </summary>
[TestFixture]
public sealed class OptimizerOpTests : AcceleratorFixture
{
    public static readonly int[] Counts = [1, 7, 33, 129, 785, 784 * 128];

    public sealed record AdamConfig(float LearningRate, float Beta1, float Beta2, float Epsilon)
    {
        public override string ToString() => $"lr{LearningRate}_b1{Beta1}_b2{Beta2}_eps{Epsilon}";
    }

    public static readonly AdamConfig[] AdamConfigs = [new(1e-3f, 0.9f, 0.999f, 1e-8f), new(0.01f, 0.8f, 0.99f, 1e-6f)];

    [Test]
    public void SgdMomentumStepsMatchReference(
        [ValueSource(typeof(TestAccelerators), nameof(TestAccelerators.Selected))] string device,
        [ValueSource(nameof(Counts))] int count)
    {
        var accelerator = Device(device);
        const float learningRate = 0.05f, momentum = 0.9f;
        int seed = DeviceData.Seed(count, 1);
        using var param = DeviceData.Guarded(accelerator, DeviceData.Uniform(seed, count));
        using var velocity = DeviceData.Guarded(accelerator, DeviceData.Uniform(seed + 1, count, -0.5f, 0.5f));
        using var scalars = accelerator.Upload<float>(OptimizerScalars.Sgd(learningRate));

        for (int step = 1; step <= 3; step++)
        {
            var g = Gradient(seed + 10 * step, count);
            var p = Widen(DeviceData.ReadGuarded(param, "param"));
            var v = Widen(DeviceData.ReadGuarded(velocity, "velocity"));
            var (p0, v0) = (p.ToArray(), v.ToArray());
            ReferenceOps.SgdMomentum(p, Widen(g), v, learningRate, momentum);

            using var grad = accelerator.Upload<float>(g);
            accelerator.SgdMomentumUpdate(param, grad, velocity, count, scalars, momentum);

            CheckUpdate($"velocity after step {step}", DeviceData.ReadGuarded(velocity, "velocity"), v0, v);
            CheckUpdate($"param after step {step}", DeviceData.ReadGuarded(param, "param"), p0, p);
            DeviceData.Unchanged(grad, g, "grad");
        }
    }

    [Test]
    public void AdamStepsOneToFiveMatchReference(
        [ValueSource(typeof(TestAccelerators), nameof(TestAccelerators.Selected))] string device,
        [ValueSource(nameof(Counts))] int count, [ValueSource(nameof(AdamConfigs))] AdamConfig config)
    {
        var accelerator = Device(device);
        int seed = DeviceData.Seed(count, 2);
        using var param = DeviceData.Guarded(accelerator, DeviceData.Uniform(seed, count));
        using var m = DeviceData.Guarded(accelerator, new float[count]);
        using var v = DeviceData.Guarded(accelerator, new float[count]);
        using var scalars = accelerator.Allocate<float>(OptimizerScalars.Length);

        for (int step = 1; step <= 5; step++)
        {
            var g = Gradient(seed + 10 * step, count);
            var rp = Widen(DeviceData.ReadGuarded(param, "param"));
            var rm = Widen(DeviceData.ReadGuarded(m, "m"));
            var rv = Widen(DeviceData.ReadGuarded(v, "v"));
            var (p0, m0, v0) = (rp.ToArray(), rm.ToArray(), rv.ToArray());
            ReferenceOps.Adam(rp, Widen(g), rm, rv, config.LearningRate, config.Beta1, config.Beta2, config.Epsilon, step);

            using var grad = accelerator.Upload<float>(g);
            // The host writes each step's learning rate and bias corrections, as the trainer does.
            scalars.CopyFromHost(OptimizerScalars.Adam(config.LearningRate, config.Beta1, config.Beta2, step));
            accelerator.AdamUpdate(param, grad, m, v, count, config.Beta1, config.Beta2, config.Epsilon, scalars);

            CheckUpdate($"m after step {step}", DeviceData.ReadGuarded(m, "m"), m0, rm);
            CheckUpdate($"v after step {step}", DeviceData.ReadGuarded(v, "v"), v0, rv);
            CheckUpdate($"param after step {step}", DeviceData.ReadGuarded(param, "param"), p0, rp);
            DeviceData.Unchanged(grad, g, "grad");
        }
    }

    /// <summary>Uniform in [-1, 1] with some exact zeros and tiny values mixed in.</summary>
    private static float[] Gradient(int seed, int count)
    {
        var g = DeviceData.Uniform(seed, count);
        for (int i = 2; i < count; i += 5) g[i] = 0f;
        for (int i = 3; i < count; i += 11) g[i] *= 1e-5f;
        return g;
    }

    private static double[] Widen(float[] values) => values.Select(x => (double)x).ToArray();

    /// <summary>|device - reference| &lt;= 1e-5 * (|before| + |reference - before|).</summary>
    private static void CheckUpdate(string what, float[] actual, double[] before, double[] expected) =>
        Verify.Close(what, actual, expected,
            i => KernelTolerances.Optimizer * (Math.Abs(before[i]) + Math.Abs(expected[i] - before[i])));
}

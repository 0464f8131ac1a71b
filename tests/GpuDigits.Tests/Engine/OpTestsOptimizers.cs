using GpuDigits.Engine.Verification;
using GpuDigits.Engine;
using GpuDigits.Engine.Verification.Reference;
using GpuDigits.Kernels;
using NUnit.Framework;

namespace GpuDigits.Tests.Engine;

/// <summary>
/// Every optimizer's step over several consecutive steps. Before each step the reference takes the device's state
/// (widened to double), so every step is checked on its own, with its own step number, from identical inputs.
/// </summary>
[TestFixture]
public sealed class OptimizerOpTests : AcceleratorFixture
{
    public static readonly int[] Counts = [1, 7, 33, 129, 785, 784 * 128];

    /// <summary>Every optimizer of the catalog with its hyperparameters: SGD at two momenta, Adam at its defaults and another set.</summary>
    public sealed record RuleCase(OptimizerRule Rule, float LearningRate, string Name)
    {
        public override string ToString() => Name;
    }

    public static IEnumerable<RuleCase> Rules()
    {
        var sgd = OptimizerCatalog.Get(OptimizerKind.Sgd);
        var adam = OptimizerCatalog.Get(OptimizerKind.Adam);
        yield return Rule(sgd.Bind(new OptimizerSettings(0.9f)), 0.05f, "sgd_momentum0.9");
        yield return Rule(sgd.Bind(new OptimizerSettings(0f)), 0.05f, "sgd_momentum0");
        yield return Rule(adam.Bind(new OptimizerSettings()), 1e-3f, "adam_defaults");
        yield return Rule(new OptimizerDefinition<AdamRule>(OptimizerKind.Adam, "adam", "adam", "Adam", 0.01f, ["m", "v"],
            _ => new AdamRule { Beta1 = 0.8f, Beta2 = 0.99f, Epsilon = 1e-6f }, ReferenceOps.Adam).Bind(new OptimizerSettings()),
            0.01f, "adam_b0.8_0.99_eps1e-6");
        foreach (var d in OptimizerCatalog.All.Where(d => d.Kind is not (OptimizerKind.Sgd or OptimizerKind.Adam)))
            yield return Rule(d.Bind(new OptimizerSettings()), d.DefaultLearningRate, d.Name);
    }

    private static RuleCase Rule(OptimizerRule rule, float learningRate, string name) => new(rule, learningRate, name);

    /// <summary>The optimizers' coverage above holds every optimizer of the catalog.</summary>
    [Test]
    public void EveryOptimizerIsCovered() =>
        Assert.That(Rules().Select(r => r.Rule.Definition.Kind).Distinct(),
            Is.EquivalentTo(OptimizerCatalog.All.Select(d => d.Kind)));

    /// <summary>Five consecutive steps from a seeded parameter and zero (slot 0: seeded) state, the host writing each step's scalars.</summary>
    [Test]
    public void StepsOneToFiveMatchReference(
        [ValueSource(typeof(TestAccelerators), nameof(TestAccelerators.Selected))] string device,
        [ValueSource(nameof(Counts))] int count, [ValueSource(nameof(Rules))] RuleCase data)
    {
        var (rule, learningRate) = (data.Rule, data.LearningRate);
        var accelerator = Device(device);
        var slotNames = rule.Definition.SlotNames;
        int seed = DeviceData.Seed(count, 1 + (int)rule.Definition.Kind);
        using var param = DeviceData.Guarded(accelerator, DeviceData.Uniform(seed, count));
        // Slot 0 starts seeded (a velocity or first moment may be anything); a second slot starts at zero (a second
        // moment cannot be negative).
        var slots = slotNames.Select((_, i) => DeviceData.Guarded(accelerator,
            i == 0 ? DeviceData.Uniform(seed + 1, count, -0.5f, 0.5f) : new float[count])).ToArray();
        using var scalars = accelerator.Allocate<float>(GpuDigits.Kernels.StepScalars.Length);
        try
        {
            for (int step = 1; step <= 5; step++)
            {
                var g = Gradient(seed + 10 * step, count);
                var rp = Widen(DeviceData.ReadGuarded(param, "param"));
                var rs = slots.Select((b, i) => Widen(DeviceData.ReadGuarded(b, slotNames[i]))).ToArray();
                var (p0, s0) = (rp.ToArray(), rs.Select(a => a.ToArray()).ToArray());
                rule.Reference(rp, Widen(g), rs, learningRate, step);

                using var grad = accelerator.Upload<float>(g);
                // The host writes each step's learning rate and step scalars, as the trainer does.
                scalars.CopyFromHost(rule.DeviceScalars(learningRate, step));
                rule.Step(accelerator, param, grad, slots, count, scalars);

                for (int i = 0; i < slots.Length; i++)
                    CheckUpdate($"{slotNames[i]} after step {step}", DeviceData.ReadGuarded(slots[i], slotNames[i]), s0[i], rs[i]);
                CheckUpdate($"param after step {step}", DeviceData.ReadGuarded(param, "param"), p0, rp);
                DeviceData.Unchanged(grad, g, "grad");
            }
        }
        finally
        {
            foreach (var b in slots) b.Dispose();
        }
    }

    /// <summary>Uniform in [-1, 1] with some exact zeros and tiny values mixed in.</summary>
    internal static float[] Gradient(int seed, int count)
    {
        var g = DeviceData.Uniform(seed, count);
        for (int i = 2; i < count; i += 5) g[i] = 0f;
        for (int i = 3; i < count; i += 11) g[i] *= 1e-5f;
        return g;
    }

    internal static double[] Widen(float[] values) => values.Select(x => (double)x).ToArray();

    /// <summary>|device - reference| &lt;= 1e-5 * (|before| + |reference - before|).</summary>
    internal static void CheckUpdate(string what, float[] actual, double[] before, double[] expected) =>
        Verify.Close(what, actual, expected,
            i => KernelTolerances.Optimizer * (Math.Abs(before[i]) + Math.Abs(expected[i] - before[i])));
}

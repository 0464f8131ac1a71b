using GpuDigits.Engine.Verification.Reference;
using GpuDigits.Kernels;

namespace GpuDigits.Engine;

/// <summary>The optimizers by code, as checkpoints store them (a code is never reused).</summary>
public enum OptimizerKind
{
    Sgd = 0,
    Adam = 1,
    AdamW = 2,
}

/// <summary>The optimizer hyperparameters a user sets; the rest are each rule's defaults below.</summary>
public sealed record OptimizerSettings(float Momentum = 0.9f);

/// <summary>
/// Every optimizer, once: its code, its name on the command line and in the kernel contract, its default learning
/// rate, its update rule (kernels/OptimizerRules.cs, which every backend runs) and its float64 reference. Training,
/// checkpoints, <c>verify</c>, <c>bench</c> and the tests all take the optimizers from this list, so a new one is a
/// rule, a reference and a line here.
/// </summary>
public static class OptimizerCatalog
{
    public static IReadOnlyList<OptimizerDefinition> All { get; } =
    [
        new OptimizerDefinition<SgdMomentumRule>(OptimizerKind.Sgd, "sgd", "sgd_momentum", "SGD with momentum", 0.05f,
            ["velocity"], s => new SgdMomentumRule { Momentum = s.Momentum }, ReferenceOps.SgdMomentum),
        new OptimizerDefinition<AdamRule>(OptimizerKind.Adam, "adam", "adam", "Adam", 1e-3f,
            ["m", "v"], _ => new AdamRule { Beta1 = 0.9f, Beta2 = 0.999f, Epsilon = 1e-8f }, ReferenceOps.Adam),
        new OptimizerDefinition<AdamWRule>(OptimizerKind.AdamW, "adamw", "adamw", "AdamW, weight decay 0.01", 1e-3f,
            ["m", "v"], _ => new AdamWRule { Adam = new() { Beta1 = 0.9f, Beta2 = 0.999f, Epsilon = 1e-8f }, WeightDecay = 0.01f },
            ReferenceOps.AdamW),
    ];

    /// <summary>The definition of <paramref name="kind"/>.</summary>
    public static OptimizerDefinition Get(OptimizerKind kind) =>
        All.FirstOrDefault(d => d.Kind == kind) ?? throw new ArgumentOutOfRangeException(nameof(kind), $"Unknown optimizer kind {(int)kind}.");

    /// <summary>The definition named <paramref name="name"/> on the command line, or null.</summary>
    public static OptimizerDefinition? Find(string name) =>
        All.FirstOrDefault(d => string.Equals(d.Name, name.Trim(), StringComparison.OrdinalIgnoreCase));
}

/// <summary>The float64 reference of one step of a rule, in place (<paramref name="slots"/> in the rule's slot order).</summary>
public delegate void ReferenceStep<in TRule>(TRule rule, double[] param, double[] grad, double[][] slots, double learningRate, int step);

/// <summary>One optimizer of <see cref="OptimizerCatalog"/>, its hyperparameters not yet set.</summary>
public abstract class OptimizerDefinition(OptimizerKind kind, string name, string opName, string title,
    float defaultLearningRate, IReadOnlyList<string> slotNames)
{
    public OptimizerKind Kind { get; } = kind;

    /// <summary>The name on the command line (<c>--optimizer</c>) and in reports.</summary>
    public string Name { get; } = name;

    /// <summary>The op's name in the kernel contract and in <c>verify</c>'s report.</summary>
    public string OpName { get; } = opName;

    public string Title { get; } = title;

    public float DefaultLearningRate { get; } = defaultLearningRate;

    /// <summary>The state tensors it keeps per parameter tensor, by name, in slot order.</summary>
    public IReadOnlyList<string> SlotNames { get; } = slotNames;

    public int Slots => SlotNames.Count;

    /// <summary>The rule with the user's hyperparameters.</summary>
    public abstract OptimizerRule Bind(OptimizerSettings settings);

    /// <summary>The kernel this optimizer launches on ILGPU devices.</summary>
    public abstract IKernelEntry Kernel { get; }

    public override string ToString() => Name;
}

/// <summary>An optimizer declared by its rule type.</summary>
public sealed class OptimizerDefinition<TRule>(OptimizerKind kind, string name, string opName, string title,
    float defaultLearningRate, IReadOnlyList<string> slotNames, Func<OptimizerSettings, TRule> configure,
    ReferenceStep<TRule> reference)
    : OptimizerDefinition(kind, name, opName, title, defaultLearningRate, slotNames)
    where TRule : struct, IOptimizerRule
{
    public override OptimizerRule Bind(OptimizerSettings settings)
    {
        var rule = configure(settings);
        if (rule.Slots != Slots) throw new InvalidOperationException($"{Name}: the rule keeps {rule.Slots} slots, the catalog names {Slots}.");
        return new Bound(this, rule, reference);
    }

    public override IKernelEntry Kernel => KernelCatalog.OptimizerStep<TRule>();

    private sealed class Bound(OptimizerDefinition<TRule> definition, TRule rule, ReferenceStep<TRule> reference) : OptimizerRule(definition)
    {
        public override void Step(Accelerator accelerator, DeviceBuffer<float> param, DeviceBuffer<float> grad,
            IReadOnlyList<DeviceBuffer<float>> slots, int count, DeviceBuffer<float> scalars) =>
            accelerator.OptimizerStep(rule, param, grad, slots, count, scalars);

        public override void GemmStep(Accelerator accelerator, bool transA, bool transB, int m, int n, int k, float alpha,
            DeviceBuffer<float> a, DeviceBuffer<float> b, DeviceBuffer<float> grad, DeviceBuffer<float> param,
            IReadOnlyList<DeviceBuffer<float>> slots, DeviceBuffer<float> scalars) =>
            accelerator.GemmOptimizerStep(transA, transB, m, n, k, alpha, a, b, grad, rule, param, slots, scalars);

        public override StepScalars HostScalars(float learningRate, int step) => rule.HostScalars(learningRate, step);

        public override void Reference(double[] param, double[] grad, double[][] slots, double learningRate, int step) =>
            reference(rule, param, grad, slots, learningRate, step);
    }
}

/// <summary>An optimizer's rule with its hyperparameters set: what training, <c>verify</c> and <c>bench</c> run.</summary>
public abstract class OptimizerRule(OptimizerDefinition definition)
{
    public OptimizerDefinition Definition { get; } = definition;

    /// <summary>One step over a parameter tensor (<see cref="Accelerator.OptimizerStep{TRule}"/>).</summary>
    public abstract void Step(Accelerator accelerator, DeviceBuffer<float> param, DeviceBuffer<float> grad,
        IReadOnlyList<DeviceBuffer<float>> slots, int count, DeviceBuffer<float> scalars);

    /// <summary>A parameter's gradient by GEMM, then this step over it (<see cref="Accelerator.GemmOptimizerStep{TRule}"/>).</summary>
    public abstract void GemmStep(Accelerator accelerator, bool transA, bool transB, int m, int n, int k, float alpha,
        DeviceBuffer<float> a, DeviceBuffer<float> b, DeviceBuffer<float> grad, DeviceBuffer<float> param,
        IReadOnlyList<DeviceBuffer<float>> slots, DeviceBuffer<float> scalars);

    /// <summary>The scalars of the 1-based <paramref name="step"/>, computed on the host in float.</summary>
    public abstract StepScalars HostScalars(float learningRate, int step);

    /// <summary>The scalars as the device buffer holds them: learning rate, H1, H2.</summary>
    public float[] DeviceScalars(float learningRate, int step)
    {
        var s = HostScalars(learningRate, step);
        return [s.LearningRate, s.H1, s.H2];
    }

    /// <summary>The float64 reference of the same step.</summary>
    public abstract void Reference(double[] param, double[] grad, double[][] slots, double learningRate, int step);

    public override string ToString() => Definition.Name;
}

using GpuDigits.Engine;
using GpuDigits.Model.Layers;

namespace GpuDigits.Model.Optimizers;

/// <summary>Adam with bias correction (beta1 0.9, beta2 0.999, epsilon 1e-8).</summary>
public sealed class Adam : Optimizer
{
    private readonly DeviceBuffer<float>[] _m;
    private readonly DeviceBuffer<float>[] _v;
    private float _c1 = float.NaN, _c2 = float.NaN; // bias corrections last written to the device

    public Adam(Accelerator accelerator, IReadOnlyList<Parameter> parameters,
        float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f)
        : base(accelerator, parameters)
    {
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        _m = ZeroStatePerParameter();
        _v = ZeroStatePerParameter();
    }

    public float Beta1 { get; }
    public float Beta2 { get; }
    public float Epsilon { get; }

    public override OptimizerKind Kind => OptimizerKind.Adam;

    protected override IReadOnlyList<DeviceBuffer<float>> StateBuffers => [.. _m, .. _v];

    /// <summary>Counts the step and writes its learning rate and bias corrections to the device.</summary>
    public override void PrepareStep(float learningRate)
    {
        base.PrepareStep(learningRate);
        var (c1, c2) = OptimizerScalars.AdamBiasCorrections(Beta1, Beta2, StepCount);
        // The corrections converge to 1 after a few thousand steps; writing only changes keeps the per-step cost at
        // the ops alone from then on.
        if (!c1.Equals(_c1))
        {
            Accelerator.Fill(Scalars, c1, OptimizerScalars.BiasCorrection1, 1);
            _c1 = c1;
        }
        if (!c2.Equals(_c2))
        {
            Accelerator.Fill(Scalars, c2, OptimizerScalars.BiasCorrection2, 1);
            _c2 = c2;
        }
    }

    public override void ApplyStep()
    {
        for (int i = 0; i < Parameters.Count; i++)
        {
            var p = Parameters[i];
            Accelerator.AdamUpdate(p.Value, p.Gradient, _m[i], _v[i], p.Count, Beta1, Beta2, Epsilon, Scalars);
        }
    }

    public override void Dispose()
    {
        foreach (var b in _m) b.Dispose();
        foreach (var b in _v) b.Dispose();
        base.Dispose();
    }
}

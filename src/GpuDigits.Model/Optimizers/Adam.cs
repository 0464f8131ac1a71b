using GpuDigits.Engine;
using GpuDigits.Model.Layers;

namespace GpuDigits.Model.Optimizers;

/// <summary>Adam with bias correction (beta1 0.9, beta2 0.999, epsilon 1e-8).</summary>
public sealed class Adam : Optimizer
{
    private readonly DeviceBuffer<float>[] _m;
    private readonly DeviceBuffer<float>[] _v;

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

    public override void Step(float learningRate)
    {
        StepCount++;
        for (int i = 0; i < Parameters.Count; i++)
        {
            var p = Parameters[i];
            Accelerator.AdamUpdate(p.Value, p.Gradient, _m[i], _v[i], p.Count, learningRate, Beta1, Beta2, Epsilon, StepCount);
        }
    }

    public override void Dispose()
    {
        foreach (var b in _m) b.Dispose();
        foreach (var b in _v) b.Dispose();
    }
}

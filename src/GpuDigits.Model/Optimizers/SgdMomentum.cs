using GpuDigits.Engine;
using GpuDigits.Model.Layers;

namespace GpuDigits.Model.Optimizers;

/// <summary>SGD with (PyTorch-style) momentum: v = mu v + g; p -= lr v.</summary>
public sealed class SgdMomentum : Optimizer
{
    private readonly DeviceBuffer<float>[] _velocity;

    public SgdMomentum(Accelerator accelerator, IReadOnlyList<Parameter> parameters, float momentum)
        : base(accelerator, parameters)
    {
        Momentum = momentum;
        _velocity = ZeroStatePerParameter();
    }

    public float Momentum { get; }
    public override OptimizerKind Kind => OptimizerKind.Sgd;

    protected override IReadOnlyList<DeviceBuffer<float>> StateBuffers => _velocity;

    public override void ApplyStep()
    {
        for (int i = 0; i < Parameters.Count; i++)
        {
            var p = Parameters[i];
            Accelerator.SgdMomentumUpdate(p.Value, p.Gradient, _velocity[i], p.Count, Scalars, Momentum);
        }
    }

    public override void Dispose()
    {
        foreach (var v in _velocity) v.Dispose();
        base.Dispose();
    }
}

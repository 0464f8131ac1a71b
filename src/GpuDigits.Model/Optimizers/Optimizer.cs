using GpuDigits.Engine;
using GpuDigits.Model.Layers;

namespace GpuDigits.Model.Optimizers;

public enum OptimizerKind
{
    Sgd,
    Adam,
}

/// <summary>Updates parameters from their gradients, keeping its per-parameter state on the device.</summary>
public abstract class Optimizer : IDisposable
{
    protected Optimizer(Accelerator accelerator, IReadOnlyList<Parameter> parameters)
    {
        Accelerator = accelerator;
        Parameters = parameters;
    }

    protected Accelerator Accelerator { get; }
    protected IReadOnlyList<Parameter> Parameters { get; }

    public abstract OptimizerKind Kind { get; }

    /// <summary>Applies one update with the given learning rate.</summary>
    public abstract void Step(float learningRate);

    /// <summary>Creates the optimizer of <paramref name="kind"/> with zeroed state.</summary>
    public static Optimizer Create(OptimizerKind kind, Accelerator accelerator, IReadOnlyList<Parameter> parameters,
        float momentum) => kind switch
        {
            OptimizerKind.Sgd => new SgdMomentum(accelerator, parameters, momentum),
            OptimizerKind.Adam => new Adam(accelerator, parameters),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };

    /// <summary>One zero-filled state buffer per parameter.</summary>
    protected DeviceBuffer<float>[] ZeroStatePerParameter() =>
        Parameters.Select(p => Accelerator.Upload<float>(new float[p.Count])).ToArray();

    public abstract void Dispose();
}

using GpuDigits.Engine;
using GpuDigits.Model.Layers;

namespace GpuDigits.Model.Optimizers;

public enum OptimizerKind
{
    Sgd,
    Adam,
}

/// <summary>
/// Updates parameters from their gradients, keeping its per-parameter state on the device. A step has a host part,
/// <see cref="PrepareStep"/>, which writes this step's scalars (learning rate, Adam's bias corrections) into a small
/// device buffer with <see cref="Accelerator.Fill{T}"/>, and a device part, <see cref="ApplyStep"/>, whose update ops
/// read them from there. <see cref="ApplyStep"/> therefore enqueues the same ops with the same arguments every step,
/// which is what lets a training step be captured once and replayed (<see cref="Accelerator.CaptureStep"/>).
/// </summary>
public abstract class Optimizer : IDisposable
{
    private float _writtenLearningRate = float.NaN;

    protected Optimizer(Accelerator accelerator, IReadOnlyList<Parameter> parameters)
    {
        Accelerator = accelerator;
        Parameters = parameters;
        Scalars = accelerator.Upload<float>(new float[OptimizerScalars.Length]);
    }

    protected Accelerator Accelerator { get; }
    protected IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>The device-side scalars the update ops read, laid out as <see cref="OptimizerScalars"/> says.</summary>
    protected DeviceBuffer<float> Scalars { get; }

    public abstract OptimizerKind Kind { get; }

    /// <summary>Applies one update with the given learning rate: <see cref="PrepareStep"/> then <see cref="ApplyStep"/>.</summary>
    public void Step(float learningRate)
    {
        PrepareStep(learningRate);
        ApplyStep();
    }

    /// <summary>
    /// The host part of a step: counts it and writes its scalars to the device (enqueued in order with the ops;
    /// it never waits for them). Must not be captured: call it before each replay of a captured step.
    /// </summary>
    public virtual void PrepareStep(float learningRate)
    {
        if (learningRate.Equals(_writtenLearningRate)) return;
        Accelerator.Fill(Scalars, learningRate, OptimizerScalars.LearningRate, 1);
        _writtenLearningRate = learningRate;
    }

    /// <summary>The device part of a step: one update op per parameter tensor, reading the scalars from the device.</summary>
    public abstract void ApplyStep();

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

    public virtual void Dispose() => Scalars.Dispose();
}

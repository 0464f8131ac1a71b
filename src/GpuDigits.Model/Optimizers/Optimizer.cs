using GpuDigits.Engine;
using GpuDigits.Model.Layers;

namespace GpuDigits.Model.Optimizers;

public enum OptimizerKind
{
    Sgd,
    Adam,
}

/// <summary>
/// Everything an optimizer carries from one step to the next, copied to the host: the updates taken so far and its
/// per-parameter state tensors ("slots"), in <see cref="Optimizer.SlotNames"/> order: for SGD one velocity per
/// parameter; for Adam every first moment (m), then every second moment (v). Slot i has the length of parameter
/// i modulo the parameter count.
/// </summary>
public sealed record OptimizerState(OptimizerKind Kind, int StepCount, IReadOnlyList<float[]> Slots);

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

    /// <summary>Updates taken so far (Adam's bias correction depends on it).</summary>
    public int StepCount { get; protected set; }

    /// <summary>The device state, in the slot order of <see cref="OptimizerState"/>.</summary>
    protected abstract IReadOnlyList<DeviceBuffer<float>> StateBuffers { get; }

    /// <summary>Applies one update with the given learning rate.</summary>
    public abstract void Step(float learningRate);

    /// <summary>How many state tensors an optimizer of <paramref name="kind"/> keeps per parameter tensor.</summary>
    public static int SlotsPerParameter(OptimizerKind kind) => kind switch
    {
        OptimizerKind.Sgd => 1,
        OptimizerKind.Adam => 2,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), $"Unknown optimizer kind {(int)kind}."),
    };

    /// <summary>Copies the step count and every state tensor to the host.</summary>
    public OptimizerState ExportState() => new(Kind, StepCount, StateBuffers.Select(b => b.ToArray()).ToArray());

    /// <summary>
    /// Restores a state from <see cref="ExportState"/> (of an optimizer of the same kind over parameters of the same
    /// shapes); afterwards the next <see cref="Step"/> does exactly what it would have done in the exporting optimizer.
    /// </summary>
    public void ImportState(OptimizerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Kind != Kind)
            throw new ArgumentException($"The state is of a {state.Kind} optimizer, this optimizer is {Kind}.", nameof(state));
        if (state.StepCount < 0) throw new ArgumentException($"A step count cannot be negative ({state.StepCount}).", nameof(state));
        var buffers = StateBuffers;
        if (state.Slots.Count != buffers.Count)
            throw new ArgumentException($"{Kind} keeps {buffers.Count} state tensors here, the state holds {state.Slots.Count}.", nameof(state));
        for (int i = 0; i < buffers.Count; i++)
            if (state.Slots[i] is null || state.Slots[i].Length != buffers[i].Length)
                throw new ArgumentException($"State tensor {i} has {state.Slots[i]?.Length} values; {buffers[i].Length} expected.", nameof(state));
        for (int i = 0; i < buffers.Count; i++) buffers[i].CopyFromHost(state.Slots[i]);
        StepCount = state.StepCount;
    }

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

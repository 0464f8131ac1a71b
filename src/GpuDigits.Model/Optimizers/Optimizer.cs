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
/// per-parameter state tensors ("slots"): for SGD one velocity per parameter; for Adam every first moment (m), then
/// every second moment (v). Slot i has the length of parameter i modulo the parameter count.
/// </summary>
public sealed record OptimizerState(OptimizerKind Kind, int StepCount, IReadOnlyList<float[]> Slots);

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

    /// <summary>Updates prepared so far (the step number of the last <see cref="PrepareStep"/>; Adam's bias correction depends on it).</summary>
    public int StepCount { get; private set; }

    /// <summary>The device state, in the slot order of <see cref="OptimizerState"/>.</summary>
    protected abstract IReadOnlyList<DeviceBuffer<float>> StateBuffers { get; }

    /// <summary>
    /// The host part of a step: counts it and writes its scalars to the device (enqueued in order with the ops;
    /// it never waits for them). Must not be captured: call it before each replay of a captured step.
    /// </summary>
    public virtual void PrepareStep(float learningRate)
    {
        StepCount++;
        if (learningRate.Equals(_writtenLearningRate)) return;
        Accelerator.Fill(Scalars, learningRate, OptimizerScalars.LearningRate, 1);
        _writtenLearningRate = learningRate;
    }

    /// <summary>The device part of a step: one update op per parameter tensor, reading the scalars from the device.</summary>
    public abstract void ApplyStep();

    /// <summary>How many state tensors an optimizer of <paramref name="kind"/> keeps per parameter tensor.</summary>
    public static int SlotsPerParameter(OptimizerKind kind) => kind switch
    {
        OptimizerKind.Sgd => 1,
        OptimizerKind.Adam => 2,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), $"Unknown optimizer kind {(int)kind}."),
    };

    /// <summary>Copies the step count and every state tensor to the host.</summary>
    public OptimizerState ExportState() => new(Kind, StepCount, StateBuffers.Select(b => b.ToArray()).ToArray());

    /// <summary>The lengths of the state tensors, in slot order (for buffers that <see cref="CopyStateTo"/> fills).</summary>
    public IReadOnlyList<int> StateLengths => StateBuffers.Select(b => b.Length).ToArray();

    /// <summary>
    /// Copies every state tensor into <paramref name="slots"/> (arrays of <see cref="StateLengths"/>), allocating
    /// nothing, and returns the step count: <see cref="ExportState"/> for callers that reuse their buffers.
    /// </summary>
    public int CopyStateTo(IReadOnlyList<float[]> slots)
    {
        var buffers = StateBuffers;
        if (slots.Count != buffers.Count) throw new ArgumentException($"{Kind} keeps {buffers.Count} state tensors, got {slots.Count} buffers.", nameof(slots));
        for (int i = 0; i < buffers.Count; i++) buffers[i].CopyToHost(slots[i]);
        return StepCount;
    }

    /// <summary>
    /// Restores a state from <see cref="ExportState"/> (of an optimizer of the same kind over parameters of the same
    /// shapes); afterwards the next <see cref="Step"/> does exactly what it would have done in the exporting optimizer.
    /// The device scalars need no restoring: <see cref="PrepareStep"/> rewrites whatever the step number changes.
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

    public virtual void Dispose() => Scalars.Dispose();
}

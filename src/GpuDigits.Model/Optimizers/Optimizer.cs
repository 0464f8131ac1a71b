using GpuDigits.Engine;
using GpuDigits.Kernels;
using GpuDigits.Model.Layers;

namespace GpuDigits.Model.Optimizers;

/// <summary>
/// Everything an optimizer carries from one step to the next, copied to the host: the updates taken so far and its
/// per-parameter state tensors ("slots"), slot-major: every parameter's slot 0 (SGD's velocity, Adam's m), then every
/// parameter's slot 1 (Adam's v). Slot i has the length of parameter i modulo the parameter count.
/// </summary>
public sealed record OptimizerState(OptimizerKind Kind, int StepCount, IReadOnlyList<float[]> Slots);

/// <summary>
/// Updates parameters from their gradients by one rule of <see cref="OptimizerCatalog"/>, keeping its per-parameter
/// state on the device. A step has a host part, <see cref="PrepareStep"/>, which writes this step's scalars (learning
/// rate, Adam's bias corrections) into a small device buffer with <see cref="Accelerator.Fill{T}"/>, and a device part,
/// <see cref="ApplyStep"/>, whose update ops read them from there. <see cref="ApplyStep"/> therefore enqueues the same
/// ops with the same arguments every step, which is what lets a training step be captured once and replayed
/// (<see cref="Accelerator.CaptureStep"/>).
/// </summary>
public sealed class Optimizer : IDisposable
{
    private readonly Accelerator _accelerator;
    private readonly IReadOnlyList<Parameter> _parameters;
    private readonly OptimizerRule _rule;
    private readonly DeviceBuffer<float> _scalars;
    private readonly DeviceBuffer<float>[][] _slotsByParameter; // [parameter][slot]
    private readonly DeviceBuffer<float>[] _stateBuffers;       // slot-major, the order of OptimizerState
    private readonly float[] _written = [float.NaN, 0f, 0f];    // the device scalars as last written (zeros at first)
    private readonly bool[] _inBackward;                         // stepped by the GEMM of its gradient (TakeOver)

    public Optimizer(Accelerator accelerator, IReadOnlyList<Parameter> parameters, OptimizerRule rule)
    {
        _accelerator = accelerator;
        _parameters = parameters;
        _rule = rule;
        _scalars = accelerator.Upload<float>(new float[StepScalars.Length]);
        int slots = rule.Definition.Slots;
        _inBackward = new bool[parameters.Count];
        _slotsByParameter = parameters.Select(p => Enumerable.Range(0, slots).Select(_ => accelerator.Upload<float>(new float[p.Count])).ToArray()).ToArray();
        _stateBuffers = Enumerable.Range(0, slots).SelectMany(s => _slotsByParameter.Select(b => b[s])).ToArray();
    }

    /// <summary>
    /// Hands the step of the parameter whose values are <paramref name="value"/> to the layer that computes its
    /// gradient by GEMM: the layer calls <see cref="GradientStep.FromGemm"/> in its backward pass, once that
    /// parameter's value has been read for the last time in the step, and <see cref="ApplyStep"/> leaves it out. The
    /// values are the same; the CPU steps each block of the gradient while it is in L2 (see
    /// <see cref="Accelerator.GemmOptimizerStep{TRule}"/>).
    /// </summary>
    public GradientStep TakeOver(DeviceBuffer<float> value)
    {
        int i = Array.FindIndex(_parameters.ToArray(), p => ReferenceEquals(p.Value, value));
        if (i < 0) throw new ArgumentException("The buffer is none of the optimizer's parameters.", nameof(value));
        if (_inBackward[i]) throw new InvalidOperationException($"The step of {_parameters[i].Name} is already taken over.");
        _inBackward[i] = true;
        return new GradientStep(this, i);
    }

    /// <summary>The step of one parameter, taken by the GEMM of its gradient (see <see cref="TakeOver"/>).</summary>
    public sealed class GradientStep
    {
        private readonly Optimizer _owner;
        private readonly int _index;

        internal GradientStep(Optimizer owner, int index) => (_owner, _index) = (owner, index);

        /// <summary>gradient = alpha * op(A) * op(B) (m x n), then this step's update of the parameter from it.</summary>
        public void FromGemm(bool transA, bool transB, int m, int n, int k, float alpha, DeviceBuffer<float> a, DeviceBuffer<float> b)
        {
            var o = _owner;
            var p = o._parameters[_index];
            o._rule.GemmStep(o._accelerator, transA, transB, m, n, k, alpha, a, b, p.Gradient, p.Value, o._slotsByParameter[_index], o._scalars);
        }
    }

    /// <summary>The optimizer of <paramref name="kind"/> with zeroed state.</summary>
    public static Optimizer Create(OptimizerKind kind, Accelerator accelerator, IReadOnlyList<Parameter> parameters, float momentum) =>
        new(accelerator, parameters, OptimizerCatalog.Get(kind).Bind(new OptimizerSettings(momentum)));

    public OptimizerKind Kind => _rule.Definition.Kind;

    /// <summary>Updates prepared so far (the step number of the last <see cref="PrepareStep"/>; Adam's bias correction depends on it).</summary>
    public int StepCount { get; private set; }

    /// <summary>How many state tensors an optimizer of <paramref name="kind"/> keeps per parameter tensor.</summary>
    public static int SlotsPerParameter(OptimizerKind kind) => OptimizerCatalog.Get(kind).Slots;

    /// <summary>
    /// The host part of a step: counts it and writes the scalars that changed to the device (enqueued in order with the
    /// ops; it never waits for them). Adam's corrections converge to 1 after a few thousand steps, so from then on a
    /// step costs the ops alone. Must not be captured: call it before each replay of a captured step.
    /// </summary>
    public void PrepareStep(float learningRate)
    {
        StepCount++;
        var s = _rule.HostScalars(learningRate, StepCount);
        Write(0, s.LearningRate);
        Write(1, s.H1);
        Write(2, s.H2);
    }

    private void Write(int index, float value)
    {
        if (value.Equals(_written[index])) return;
        _accelerator.Fill(_scalars, value, index, 1);
        _written[index] = value;
    }

    /// <summary>
    /// The device part of a step: one update op per parameter tensor, reading the scalars from the device; those
    /// taken over (<see cref="TakeOver"/>) were stepped in the backward pass.
    /// </summary>
    public void ApplyStep()
    {
        for (int i = 0; i < _parameters.Count; i++)
        {
            if (_inBackward[i]) continue;
            var p = _parameters[i];
            _rule.Step(_accelerator, p.Value, p.Gradient, _slotsByParameter[i], p.Count, _scalars);
        }
    }

    /// <summary>Copies the step count and every state tensor to the host.</summary>
    public OptimizerState ExportState() => new(Kind, StepCount, _stateBuffers.Select(b => b.ToArray()).ToArray());

    /// <summary>The lengths of the state tensors, in slot order (for buffers that <see cref="CopyStateTo"/> fills).</summary>
    public IReadOnlyList<int> StateLengths => _stateBuffers.Select(b => b.Length).ToArray();

    /// <summary>
    /// Copies every state tensor into <paramref name="slots"/> (arrays of <see cref="StateLengths"/>), allocating
    /// nothing, and returns the step count: <see cref="ExportState"/> for callers that reuse their buffers.
    /// </summary>
    public int CopyStateTo(IReadOnlyList<float[]> slots)
    {
        if (slots.Count != _stateBuffers.Length) throw new ArgumentException($"{Kind} keeps {_stateBuffers.Length} state tensors, got {slots.Count} buffers.", nameof(slots));
        for (int i = 0; i < _stateBuffers.Length; i++) _stateBuffers[i].CopyToHost(slots[i]);
        return StepCount;
    }

    /// <summary>
    /// Restores a state from <see cref="ExportState"/> (of an optimizer of the same kind over parameters of the same
    /// shapes); afterwards the next step does exactly what it would have done in the exporting optimizer. The device
    /// scalars need no restoring: <see cref="PrepareStep"/> rewrites whatever the step number changes.
    /// </summary>
    public void ImportState(OptimizerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Kind != Kind)
            throw new ArgumentException($"The state is of a {state.Kind} optimizer, this optimizer is {Kind}.", nameof(state));
        if (state.StepCount < 0) throw new ArgumentException($"A step count cannot be negative ({state.StepCount}).", nameof(state));
        var buffers = _stateBuffers;
        if (state.Slots.Count != buffers.Length)
            throw new ArgumentException($"{Kind} keeps {buffers.Length} state tensors here, the state holds {state.Slots.Count}.", nameof(state));
        for (int i = 0; i < buffers.Length; i++)
            if (state.Slots[i] is null || state.Slots[i].Length != buffers[i].Length)
                throw new ArgumentException($"State tensor {i} has {state.Slots[i]?.Length} values; {buffers[i].Length} expected.", nameof(state));
        for (int i = 0; i < buffers.Length; i++) buffers[i].CopyFromHost(state.Slots[i]);
        StepCount = state.StepCount;
    }

    public void Dispose()
    {
        foreach (var b in _stateBuffers) b.Dispose();
        _scalars.Dispose();
    }
}

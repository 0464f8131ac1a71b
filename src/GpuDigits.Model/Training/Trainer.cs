using System.Diagnostics;
using GpuDigits.Data;
using GpuDigits.Engine;
using GpuDigits.Model.Optimizers;

namespace GpuDigits.Model.Training;

/// <summary>
/// Trains a <see cref="Network"/> on one accelerator. The training and test sets live on the device; each step
/// gathers a shuffled batch on the device, runs forward, the fused softmax cross-entropy, backward and the
/// optimizer update, and accumulates loss and correct counts on the device. The host reads those two numbers
/// only for the progress display (every <see cref="TrainingOptions.ProgressInterval"/>, or never within an epoch)
/// and once per epoch.
/// <para>
/// What varies from step to step (the batch position, the learning rate, Adam's bias corrections) reaches the ops
/// through device memory, written with <see cref="Accelerator.Fill{T}"/> before the step, so every full-size step
/// enqueues identical ops. The trainer therefore asks the accelerator to record the step once
/// (<see cref="Accelerator.CaptureStep"/>, a CUDA graph) after a first step run op by op, and replays the recording
/// for every later full-size batch; the last, partial batch of an epoch runs op by op. Backends that cannot record
/// run every step op by op, with the same results.
/// </para>
/// <para>
/// At the end of every epoch the parameters and the optimizer state are copied to the host once, into buffers
/// allocated up front: that copy is checked for NaN and infinity (divergence) and becomes the rewind point, which
/// <see cref="State"/> hands out (copied, when asked) so a run can be saved and continued exactly
/// (<see cref="Restore"/>). Each epoch's order is a shuffle of the identity drawn from the seeded generator,
/// so the generator's state alone decides every later epoch.
/// </para>
/// <para>
/// This file is the epoch loop. Its helpers each have a home: step recording in <see cref="StepRecorder"/>, the
/// rewind point in <see cref="TrainingSnapshot"/>, divergence replay in <c>Trainer.Divergence.cs</c>, evaluation
/// and the device counters in <c>Trainer.Evaluation.cs</c>; what a run writes to disk is <see cref="Runs.TrainingRun"/>'s.
/// </para>
/// </summary>
public sealed partial class Trainer : IDisposable
{
    private readonly Accelerator _acc;
    private readonly DeviceDataset _train;
    private readonly DeviceDataset _test;
    private readonly DeviceBuffer<float> _x;
    private readonly DeviceBuffer<int> _y;
    private readonly DeviceBuffer<float> _stats;
    private readonly DeviceBuffer<int> _cursor;
    private readonly DeviceBuffer<int> _evaluationStart; // evaluation's gather position, apart from the training cursor
    private readonly int _fullBatch;
    private readonly StepRecorder _recorder;
    private long _stepsRun;
    private SeededRandom _random;
    private readonly int[] _order;
    private readonly float[] _statsHost = new float[2];
    private readonly string[] _parameterNames;
    private readonly List<EpochMetrics> _history = [];
    // The rewind point (the run after the last completed epoch) and a scratch set of the same shapes: each epoch's end
    // is read into the scratch set, checked, and the two are swapped, so a warm epoch allocates no host tensors.
    private TrainingSnapshot _rewind = null!;
    private TrainingSnapshot _scratch = null!;
    private TrainingState? _state;
    private readonly float _mean;
    private readonly float _invStd;

    public Trainer(Accelerator accelerator, NetworkSpec spec, TrainingOptions options,
        MnistSplit train, MnistSplit test, Normalization normalization)
    {
        _acc = accelerator;
        Options = options.Validate();
        Normalization = normalization;
        if (train.Count < 1 || test.Count < 1) throw new ArgumentException("Training and test sets must each hold at least one image.");
        int highest = Math.Max(train.Labels.Max(), test.Labels.Max());
        if (highest >= spec.Classes) throw new ArgumentException($"The data has labels up to {highest}; the network outputs {spec.Classes} classes.");
        _mean = (float)normalization.Mean;
        _invStd = normalization.Std > 1e-12 ? (float)(1.0 / normalization.Std) : 1f;
        if (train.Features != spec.Inputs || test.Features != spec.Inputs)
            throw new ArgumentException($"The network takes {spec.Inputs} inputs; the images have {train.Features}.");
        TrainedOn = DataFingerprint.Of(train, test);

        int maxRows = Math.Max(Math.Min(options.BatchSize, train.Count), Math.Min(options.EvaluationBatchSize, test.Count));
        var owned = new List<IDisposable>();
        try
        {
            Network = Track(new Network(accelerator, spec, maxRows));
            _train = Track(new DeviceDataset(accelerator, train));
            _test = Track(new DeviceDataset(accelerator, test));
            _x = Track(accelerator.Allocate<float>(maxRows * spec.Inputs));
            _y = Track(accelerator.Allocate<int>(maxRows));
            _stats = Track(accelerator.Allocate<float>(2));
            _cursor = Track(accelerator.Upload<int>([0]));
            _evaluationStart = Track(accelerator.Upload<int>([0]));
            _random = new SeededRandom(options.Seed);
            Network.Initialize(_random);
            Optimizer = Track(Optimizer.Create(options.Optimizer, accelerator, Network.Parameters, options.Momentum));
            Network.StepWeightsInBackward(Optimizer);
        }
        catch
        {
            foreach (var d in owned) d.Dispose();
            throw;
        }
        _fullBatch = Math.Min(options.BatchSize, train.Count);
        _recorder = new StepRecorder(accelerator);
        _order = new int[train.Count];
        _parameterNames = Network.Parameters.Select(p => p.Name).ToArray();
        _rewind = new TrainingSnapshot(Network, Optimizer);
        _scratch = new TrainingSnapshot(Network, Optimizer);
        _rewind.Read(Network, Optimizer, _random, EpochsDone);

        T Track<T>(T d) where T : IDisposable
        {
            owned.Add(d);
            return d;
        }
    }

    public TrainingOptions Options { get; }
    public Normalization Normalization { get; }
    public Network Network { get; }
    public Optimizer Optimizer { get; }

    /// <summary>Epochs completed so far.</summary>
    public int EpochsDone { get; private set; }

    /// <summary>The images this trainer was given.</summary>
    public DataFingerprint TrainedOn { get; }

    /// <summary>The metrics of every completed epoch, in order.</summary>
    public IReadOnlyList<EpochMetrics> History => _history;

    /// <summary>
    /// The run as it stood after the last completed epoch (after initialization before the first): what a checkpoint
    /// saves. After a <see cref="TrainingDivergedException"/> or a cancellation it is still the last good state.
    /// </summary>
    public TrainingState State => _state ??= _rewind.ToState(this);

    /// <summary>
    /// Continues from <paramref name="state"/>: parameters, optimizer state, generator, epochs done and history.
    /// The trainer must have been built for the same network shape, options (the epoch count may be larger, never
    /// smaller than the epochs done), normalization and data; otherwise <see cref="ArgumentException"/> says what differs.
    /// </summary>
    public void Restore(TrainingState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (!state.Spec.SameShape(Network.Spec))
            throw new ArgumentException($"The saved run trains a {state.Spec} network, this trainer a {Network.Spec} network.");
        if ((state.Options with { Epochs = Options.Epochs, ProgressInterval = Options.ProgressInterval }) != Options)
            throw new ArgumentException($"The saved run was trained with other options ({state.Options}) than this trainer's ({Options}).");
        if (state.EpochsDone > Options.Epochs)
            throw new ArgumentException($"The saved run has done {state.EpochsDone} epochs, more than the {Options.Epochs} asked for.");
        if (state.Normalization != Normalization)
            throw new ArgumentException($"The saved run normalizes pixels with {state.Normalization}, this trainer with {Normalization}.");
        if (!state.TrainedOn.Matches(TrainedOn))
            throw new ArgumentException($"The saved run was trained on other data ({state.TrainedOn}) than this trainer's ({TrainedOn}).");

        Network.ImportParameters(state.Parameters);
        Optimizer.ImportState(state.Optimizer);
        _random = SeededRandom.FromState([.. state.RandomState]);
        EpochsDone = state.EpochsDone;
        _history.Clear();
        _history.AddRange(state.History);
        _rewind.Read(Network, Optimizer, _random, EpochsDone);
        _state = null; // handed out again as copies of the rewind point, never as the caller's arrays
    }

    /// <summary>Where the last completed epoch's time went (see <see cref="EpochTimings"/>).</summary>
    public EpochTimings LastEpochTimings { get; private set; }

    /// <summary>Seconds the first training step of this trainer took (it compiles and loads every kernel); 0 before it.</summary>
    public double FirstStepSeconds { get; private set; }

    /// <summary>Training steps that replayed the recorded step instead of enqueuing their ops one by one.</summary>
    public long ReplayedSteps => _recorder.Replayed;

    /// <summary>Ops in the recorded training step (0 while none is recorded, or where the backend cannot record).</summary>
    public int RecordedOps => _recorder.OpCount;

    /// <summary>Trains the remaining epochs; reports each batch (throttled) and each finished epoch.</summary>
    public void Run(Action<EpochMetrics>? onEpoch = null, Action<BatchProgress>? onBatch = null,
        CancellationToken cancellationToken = default)
    {
        while (EpochsDone < Options.Epochs)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var metrics = RunEpoch(onBatch, cancellationToken);
            onEpoch?.Invoke(metrics);
        }
    }

    /// <summary>
    /// Trains one epoch over the shuffled training set, then evaluates on the test set. A NaN or infinity in the
    /// loss (checked at every progress read and at the end) or in the parameters (checked at every progress read
    /// and, with the optimizer state, at the end) throws <see cref="TrainingDivergedException"/>, after the trainer
    /// has gone back to <see cref="State"/>.
    /// </summary>
    public EpochMetrics RunEpoch(Action<BatchProgress>? onBatch = null, CancellationToken cancellationToken = default)
    {
        if (EpochsDone >= Options.Epochs)
            throw new InvalidOperationException($"All {Options.Epochs} epochs are done.");
        int epoch = EpochsDone + 1;
        double scheduledLr = Options.LearningRateAt(epoch);
        float lr = (float)scheduledLr;
        int batch = Options.BatchSize, n = _train.Count;
        int batches = (n + batch - 1) / batch;

        for (int i = 0; i < _order.Length; i++) _order[i] = i;
        _random.Shuffle(_order);
        _train.SetOrder(_order);
        ResetStats();

        var clock = Stopwatch.StartNew();
        // Reading the running stats waits for the device, so it happens only as often as the display asks.
        var interval = Options.ProgressInterval;
        long nextReport = onBatch is null || interval is null ? long.MaxValue : 0;
        int verified = 0; // batches known to have left the loss and the parameters finite
        long readTicks = 0;
        for (int b = 0; b < batches; b++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int start = b * batch, rows = Math.Min(batch, n - start);
            if (_stepsRun == 0)
            {
                long t0 = Stopwatch.GetTimestamp();
                TrainStep(start, rows, lr);
                _acc.Synchronize();
                FirstStepSeconds = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            }
            else TrainStep(start, rows, lr);

            if (b < batches - 1 && clock.ElapsedMilliseconds >= nextReport)
            {
                long r0 = Stopwatch.GetTimestamp();
                nextReport = clock.ElapsedMilliseconds + (long)interval!.Value.TotalMilliseconds;
                ReadStats(out double lossSum, out double correct);
                string? problem = LossProblem(lossSum) ?? ParameterProblem();
                if (problem is not null) throw Diverged(epoch, verified, b + 1, batches, problem, lr);
                verified = b + 1;
                int seen = start + rows;
                onBatch!(new BatchProgress(epoch, Options.Epochs, b + 1, batches, lossSum / seen, correct / seen,
                    seen / Math.Max(clock.Elapsed.TotalSeconds, 1e-9)));
                readTicks += Stopwatch.GetTimestamp() - r0;
            }
        }
        ReadStats(out double trainLoss, out double trainCorrect);
        double seconds = clock.Elapsed.TotalSeconds;
        long endRead0 = Stopwatch.GetTimestamp();
        var end = _scratch;
        end.ReadTensors(Network, Optimizer);
        string? endProblem = LossProblem(trainLoss) ?? NonFinite(end.Parameters, _parameterNames, "parameter")
                             ?? NonFinite(end.Slots, null, "optimizer state");
        if (endProblem is not null) throw Diverged(epoch, verified, batches, batches, endProblem, lr);
        onBatch?.Invoke(new BatchProgress(epoch, Options.Epochs, batches, batches, trainLoss / n, trainCorrect / n,
            n / Math.Max(seconds, 1e-9)));

        double endReadSeconds = Stopwatch.GetElapsedTime(endRead0).TotalSeconds;
        long eval0 = Stopwatch.GetTimestamp();
        var test = Evaluate(_test);
        LastEpochTimings = new EpochTimings(seconds, Stopwatch.GetElapsedTime(0, readTicks).TotalSeconds, endReadSeconds,
            Stopwatch.GetElapsedTime(eval0).TotalSeconds);
        if (!double.IsFinite(test.Loss))
        {
            Rewind();
            throw new TrainingDivergedException(epoch, batches, batches, batches, $"the test loss is {test.Loss}", lr);
        }
        EpochsDone = epoch;
        var metrics = new EpochMetrics(epoch, trainLoss / n, trainCorrect / n, test.Loss, test.Accuracy, scheduledLr,
            seconds, n / Math.Max(seconds, 1e-9), _acc.Info.Id);
        _history.Add(metrics);
        end.ReadScalars(_random, EpochsDone);
        (_rewind, _scratch) = (end, _rewind);
        _state = null;
        return metrics;
    }

    /// <summary>
    /// One optimization step on rows [start, start + rows) of the training set's current order: the host writes the
    /// step's position and scalars to the device, then replays the recorded step or enqueues its ops.
    /// </summary>
    private void TrainStep(int start, int rows, float lr)
    {
        _acc.Fill(_cursor, start);
        Optimizer.PrepareStep(lr);
        // The first step runs op by op (it compiles and loads every kernel); the second full one is recorded.
        if (rows == _fullBatch && _stepsRun > 0 && _recorder.Replay(this, rows))
        {
            _stepsRun++;
            return;
        }
        StepOps(rows);
        _stepsRun++;
    }

    /// <summary>The ops of a training step; every argument that changes between steps is read from device memory.</summary>
    internal void StepOps(int rows)
    {
        _acc.GatherBatch(_train.Pixels, _train.Labels, _train.Order, _cursor, rows, _train.Features,
            _mean, _invStd, _x, _y);
        Network.Forward(_x, rows);
        Network.Loss(_y, rows, _stats, withGradient: true);
        Network.Backward(_x, rows);
        Optimizer.ApplyStep();
    }

    /// <summary>Puts the parameters and optimizer state of the rewind point (<see cref="State"/>) back on the device.</summary>
    private void Rewind()
    {
        Network.ImportParameters(_rewind.Parameters);
        Optimizer.ImportState(new OptimizerState(Optimizer.Kind, _rewind.StepCount, _rewind.Slots));
    }

    public void Dispose()
    {
        _recorder.Dispose();
        _cursor?.Dispose();
        _evaluationStart?.Dispose();
        Optimizer?.Dispose();
        _stats?.Dispose();
        _y?.Dispose();
        _x?.Dispose();
        _test?.Dispose();
        _train?.Dispose();
        Network?.Dispose();
    }
}

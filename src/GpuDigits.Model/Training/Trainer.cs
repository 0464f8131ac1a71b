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
/// </summary>
public sealed class Trainer : IDisposable
{
    private readonly Accelerator _acc;
    private readonly DeviceDataset _train;
    private readonly DeviceDataset _test;
    private readonly DeviceBuffer<float> _x;
    private readonly DeviceBuffer<int> _y;
    private readonly DeviceBuffer<float> _stats;
    private readonly DeviceBuffer<int> _cursor;
    private readonly int _fullBatch;
    private IReplayableStep? _recorded;
    private bool _captureTried;
    private long _stepsRun;
    private readonly SeededRandom _random;
    private readonly int[] _order;
    private readonly float[] _statsHost = new float[2];
    private readonly float _mean;
    private readonly float _invStd;

    public Trainer(Accelerator accelerator, NetworkSpec spec, TrainingOptions options,
        MnistSplit train, MnistSplit test, Normalization normalization)
    {
        _acc = accelerator;
        Options = options.Validate();
        Normalization = normalization;
        if (train.Count < 1 || test.Count < 1) throw new ArgumentException("Training and test sets must each hold at least one image.");
        if (spec.Classes < MnistSplit.Classes) throw new ArgumentException($"MNIST has {MnistSplit.Classes} classes; the network outputs {spec.Classes}.");
        _mean = (float)normalization.Mean;
        _invStd = normalization.Std > 1e-12 ? (float)(1.0 / normalization.Std) : 1f;
        if (train.Features != spec.Inputs || test.Features != spec.Inputs)
            throw new ArgumentException($"The network takes {spec.Inputs} inputs; the images have {train.Features}.");

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
            _random = new SeededRandom(options.Seed);
            Network.Initialize(_random);
            Optimizer = Track(Optimizer.Create(options.Optimizer, accelerator, Network.Parameters, options.Momentum));
        }
        catch
        {
            foreach (var d in owned) d.Dispose();
            throw;
        }
        _fullBatch = Math.Min(options.BatchSize, train.Count);
        _order = new int[train.Count];
        for (int i = 0; i < _order.Length; i++) _order[i] = i;

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

    /// <summary>Training steps that replayed the recorded step instead of enqueuing their ops one by one.</summary>
    public long ReplayedSteps { get; private set; }

    /// <summary>Ops in the recorded training step (0 while none is recorded, or where the backend cannot record).</summary>
    public int RecordedOps => _recorded?.OpCount ?? 0;

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

    /// <summary>Trains one epoch over the shuffled training set, then evaluates on the test set.</summary>
    public EpochMetrics RunEpoch(Action<BatchProgress>? onBatch = null, CancellationToken cancellationToken = default)
    {
        int epoch = EpochsDone + 1;
        double scheduledLr = Options.LearningRateAt(epoch);
        float lr = (float)scheduledLr;
        int batch = Options.BatchSize, n = _train.Count;
        int batches = (n + batch - 1) / batch;

        _random.Shuffle(_order);
        _train.SetOrder(_order);
        ResetStats();

        var clock = Stopwatch.StartNew();
        // Reading the running stats waits for the device, so it happens only as often as the display asks.
        var interval = Options.ProgressInterval;
        long nextReport = onBatch is null || interval is null ? long.MaxValue : 0;
        for (int b = 0; b < batches; b++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int start = b * batch, rows = Math.Min(batch, n - start);
            TrainStep(start, rows, lr);

            if (b < batches - 1 && clock.ElapsedMilliseconds >= nextReport)
            {
                nextReport = clock.ElapsedMilliseconds + (long)interval!.Value.TotalMilliseconds;
                ReadStats(out double lossSum, out double correct);
                int seen = start + rows;
                CheckFinite(lossSum, epoch, b + 1, lr);
                onBatch!(new BatchProgress(epoch, Options.Epochs, b + 1, batches, lossSum / seen, correct / seen,
                    seen / Math.Max(clock.Elapsed.TotalSeconds, 1e-9)));
            }
        }
        ReadStats(out double trainLoss, out double trainCorrect);
        double seconds = clock.Elapsed.TotalSeconds;
        CheckFinite(trainLoss, epoch, batches, lr);
        onBatch?.Invoke(new BatchProgress(epoch, Options.Epochs, batches, batches, trainLoss / n, trainCorrect / n,
            n / Math.Max(seconds, 1e-9)));

        var test = Evaluate(_test);
        EpochsDone = epoch;
        return new EpochMetrics(epoch, trainLoss / n, trainCorrect / n, test.Loss, test.Accuracy, scheduledLr,
            seconds, n / Math.Max(seconds, 1e-9), _acc.Info.Id);
    }

    /// <summary>
    /// One optimization step on rows [start, start + rows) of the training set's current order: the host writes the
    /// step's position and scalars to the device, then replays the recorded step or enqueues its ops.
    /// </summary>
    private void TrainStep(int start, int rows, float lr)
    {
        _acc.Fill(_cursor, start);
        Optimizer.PrepareStep(lr);
        if (rows == _fullBatch)
        {
            // The first step runs op by op (it compiles and loads every kernel); the second one is recorded.
            if (_recorded is null && !_captureTried && _stepsRun > 0)
            {
                _captureTried = true;
                _recorded = Capture(rows);
            }
            if (_recorded is not null)
            {
                _recorded.Replay();
                ReplayedSteps++;
                _stepsRun++;
                return;
            }
        }
        StepOps(rows);
        _stepsRun++;
    }

    /// <summary>
    /// Records a full-size step. Kept out of <see cref="TrainStep"/>: a lambda there would allocate its closure on
    /// every call, not only when it is created.
    /// </summary>
    private IReplayableStep? Capture(int rows) => _acc.CaptureStep(() => StepOps(rows));

    /// <summary>The ops of a training step; every argument that changes between steps is read from device memory.</summary>
    private void StepOps(int rows)
    {
        _acc.GatherBatch(_train.Pixels, _train.Labels, _train.Order, _cursor, rows, _train.Features,
            _mean, _invStd, _x, _y);
        Network.Forward(_x, rows);
        Network.Loss(_y, rows, _stats, withGradient: true);
        Network.Backward(_x, rows);
        Optimizer.ApplyStep();
    }

    /// <summary>Mean loss and accuracy of the current weights over the test set.</summary>
    public Evaluation EvaluateTest() => Evaluate(_test);

    private Evaluation Evaluate(DeviceDataset data)
    {
        ResetStats();
        int batch = Network.MaxRows;
        for (int start = 0; start < data.Count; start += batch)
        {
            int rows = Math.Min(batch, data.Count - start);
            _acc.GatherBatch(data.Pixels, data.Labels, data.Order, start, rows, data.Features,
                _mean, _invStd, _x, _y);
            Network.Forward(_x, rows);
            Network.Loss(_y, rows, _stats, withGradient: false);
        }
        ReadStats(out double loss, out double correct);
        return new Evaluation(loss / data.Count, correct / data.Count, data.Count);
    }

    private void ResetStats() => _acc.Fill(_stats, 0f);

    private void ReadStats(out double lossSum, out double correct)
    {
        _stats.CopyToHost(_statsHost);
        lossSum = _statsHost[0];
        correct = _statsHost[1];
    }

    private static void CheckFinite(double lossSum, int epoch, int batch, float lr)
    {
        if (!double.IsFinite(lossSum)) throw new TrainingDivergedException(epoch, batch, lossSum, lr);
    }

    public void Dispose()
    {
        _recorded?.Dispose();
        _cursor?.Dispose();
        Optimizer?.Dispose();
        _stats?.Dispose();
        _y?.Dispose();
        _x?.Dispose();
        _test?.Dispose();
        _train?.Dispose();
        Network?.Dispose();
    }
}

using System.Buffers.Binary;
using System.Security.Cryptography;
using GpuDigits.Data;
using GpuDigits.Model.Optimizers;

namespace GpuDigits.Model.Training;

/// <summary>
/// Which images a run trains and tests on: the two counts and a SHA-256 over both splits (shape, pixels, labels).
/// A run can only be continued on the very data it started with.
/// </summary>
public sealed class DataFingerprint
{
    public const int HashLength = 32;

    public DataFingerprint(int trainCount, int testCount, ReadOnlySpan<byte> sha256)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(trainCount);
        ArgumentOutOfRangeException.ThrowIfNegative(testCount);
        if (sha256.Length != HashLength) throw new ArgumentException($"A SHA-256 is {HashLength} bytes, got {sha256.Length}.", nameof(sha256));
        TrainCount = trainCount;
        TestCount = testCount;
        Sha256 = sha256.ToArray();
    }

    public int TrainCount { get; }
    public int TestCount { get; }
    public IReadOnlyList<byte> Sha256 { get; }

    public static DataFingerprint Of(MnistSplit train, MnistSplit test)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> shape = stackalloc byte[12];
        foreach (var split in new[] { train, test })
        {
            BinaryPrimitives.WriteInt32LittleEndian(shape, split.Count);
            BinaryPrimitives.WriteInt32LittleEndian(shape[4..], split.Rows);
            BinaryPrimitives.WriteInt32LittleEndian(shape[8..], split.Cols);
            hash.AppendData(shape);
            hash.AppendData(split.Images);
            hash.AppendData(split.Labels);
        }
        return new DataFingerprint(train.Count, test.Count, hash.GetHashAndReset());
    }

    public bool Matches(DataFingerprint other) =>
        other.TrainCount == TrainCount && other.TestCount == TestCount && other.Sha256.SequenceEqual(Sha256);

    public override string ToString() =>
        $"{TrainCount:N0} training / {TestCount:N0} test images, SHA-256 {Convert.ToHexStringLower([.. Sha256])[..16]}...";
}

/// <summary>
/// A training run at an epoch boundary, copied to the host: everything <see cref="Trainer.Restore"/> needs to go on
/// exactly as if it had never stopped (the network's parameters, the optimizer's state, the shuffling generator,
/// the epochs done and their metrics), and what it needs to rebuild the trainer (shape, options, normalization, data).
/// </summary>
public sealed class TrainingState
{
    public TrainingState(NetworkSpec spec, TrainingOptions options, Normalization normalization, DataFingerprint data,
        int epochsDone, IReadOnlyList<ulong> randomState, IReadOnlyList<float[]> parameters, OptimizerState optimizer,
        IReadOnlyList<EpochMetrics> history)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(normalization);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(randomState);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(history);
        options.Validate();
        if (epochsDone < 0 || epochsDone > options.Epochs)
            throw new ArgumentException($"{epochsDone} epochs done is outside 0..{options.Epochs}.", nameof(epochsDone));
        if (history.Count != epochsDone || history.Where((m, i) => m.Epoch != i + 1).Any())
            throw new ArgumentException($"The history must hold epochs 1..{epochsDone} in order, it holds {history.Count} rows.", nameof(history));
        if (randomState.Count != 4 || randomState.All(w => w == 0))
            throw new ArgumentException("A random state is four words, not all zero.", nameof(randomState));
        if (optimizer.Kind != options.Optimizer)
            throw new ArgumentException($"The options name {options.Optimizer}, the optimizer state is {optimizer.Kind}.", nameof(optimizer));
        Spec = spec;
        Options = options;
        Normalization = normalization;
        TrainedOn = data;
        EpochsDone = epochsDone;
        RandomState = randomState.ToArray();
        Parameters = parameters;
        Optimizer = optimizer;
        History = history.ToArray();
    }

    public NetworkSpec Spec { get; }
    public TrainingOptions Options { get; }
    public Normalization Normalization { get; }
    public DataFingerprint TrainedOn { get; }

    /// <summary>Completed epochs: the next epoch to run is EpochsDone + 1.</summary>
    public int EpochsDone { get; }

    /// <summary>The four words of the <see cref="SeededRandom"/> that shuffles the next epoch.</summary>
    public IReadOnlyList<ulong> RandomState { get; }

    /// <summary>W1, b1, W2, b2, ... as <see cref="Network.ExportParameters"/> gives them.</summary>
    public IReadOnlyList<float[]> Parameters { get; }

    public OptimizerState Optimizer { get; }

    /// <summary>The metrics of epochs 1..EpochsDone, in order.</summary>
    public IReadOnlyList<EpochMetrics> History { get; }
}

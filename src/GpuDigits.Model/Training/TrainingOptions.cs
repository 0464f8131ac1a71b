using GpuDigits.Engine;

namespace GpuDigits.Model.Training;

/// <summary>How the learning rate moves over the epochs.</summary>
public enum LearningRateSchedule
{
    /// <summary>The same rate every epoch.</summary>
    Constant,
    /// <summary>Cosine decay from the base rate at epoch 1 to a twentieth of it at the last epoch.</summary>
    Cosine,
}

/// <summary>Hyper-parameters of a training run. The defaults train the tutorial model to about 98 %.</summary>
public sealed record TrainingOptions
{
    public int Epochs { get; init; } = 10;
    public int BatchSize { get; init; } = 128;
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Sgd;

    /// <summary>Base learning rate; null picks the optimizer's default (OptimizerCatalog: SGD 0.05, Adam 0.001).</summary>
    public float? LearningRate { get; init; }

    public float Momentum { get; init; } = 0.9f;
    public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.Cosine;
    public ulong Seed { get; init; } = 1;

    /// <summary>Rows per evaluation batch.</summary>
    public int EvaluationBatchSize { get; init; } = 1000;

    /// <summary>
    /// How often, within an epoch, the trainer reads the running loss from the device for the progress display
    /// (each read waits for the device to catch up). Null: only at the end of each epoch.
    /// </summary>
    public TimeSpan? ProgressInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    public float BaseLearningRate => LearningRate ?? OptimizerCatalog.Get(Optimizer).DefaultLearningRate;

    /// <summary>The learning rate used throughout epoch <paramref name="epoch"/> (1-based).</summary>
    public double LearningRateAt(int epoch)
    {
        double lr = (double)(decimal)BaseLearningRate; // 0.05f reads as 0.05, not 0.0500000007
        if (Schedule == LearningRateSchedule.Constant || Epochs <= 1) return lr;
        double t = (epoch - 1) / (double)(Epochs - 1);
        const double floor = 0.05;
        return (lr * (floor + (1 - floor) * 0.5 * (1 + Math.Cos(Math.PI * t))));
    }

    /// <summary>Throws <see cref="SettingException"/> (an <see cref="ArgumentException"/>) naming the bad setting.</summary>
    public TrainingOptions Validate()
    {
        if (Epochs < 1 || Epochs > 100_000) throw SettingException.OutOfRange(TrainingSetting.Epochs, "must be between 1 and 100000", Epochs);
        if (BatchSize < 1 || BatchSize > 65_536) throw SettingException.OutOfRange(TrainingSetting.BatchSize, "must be between 1 and 65536", BatchSize);
        if (LearningRate is { } lr && (!float.IsFinite(lr) || lr <= 0 || lr > 100))
            throw SettingException.OutOfRange(TrainingSetting.LearningRate, "must be a positive number up to 100", lr);
        if (!float.IsFinite(Momentum) || Momentum < 0 || Momentum >= 1)
            throw SettingException.OutOfRange(TrainingSetting.Momentum, "must be in [0, 1)", Momentum);
        if (EvaluationBatchSize < 1) throw new ArgumentException("The evaluation batch must hold at least one row.");
        if (ProgressInterval is { } p && p < TimeSpan.Zero)
            throw new ArgumentException($"The progress interval must not be negative, got {p.TotalMilliseconds} ms.");
        return this;
    }
}

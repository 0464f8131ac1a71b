namespace GpuDigits.Model.Training;

/// <summary>
/// The loss, the parameters or the optimizer state became NaN or infinite: training cannot go on with this learning
/// rate. <see cref="FirstBatch"/>..<see cref="LastBatch"/> (1-based, usually one batch) is where it happened.
/// </summary>
public sealed class TrainingDivergedException(int epoch, int firstBatch, int lastBatch, int batches, string problem, float learningRate)
    : Exception($"Training diverged in epoch {epoch}, " +
                (firstBatch == lastBatch ? $"batch {firstBatch}" : $"between batches {firstBatch} and {lastBatch}") +
                $" of {batches}: {problem}. Try a lower learning rate than {GpuDigits.Data.Phrase.Number(learningRate)}.")
{
    public int Epoch { get; } = epoch;
    public int FirstBatch { get; } = firstBatch;
    public int LastBatch { get; } = lastBatch;

    /// <summary>The batch where it happened (the first of the range when it could not be pinned to one).</summary>
    public int Batch => FirstBatch;

    public string Problem { get; } = problem;
    public float LearningRate { get; } = learningRate;
}

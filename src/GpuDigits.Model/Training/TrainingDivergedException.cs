namespace GpuDigits.Model.Training;

/// <summary>The loss became NaN or infinite: training cannot go on with this learning rate.</summary>
public sealed class TrainingDivergedException(int epoch, int batch, double loss, float learningRate)
    : Exception($"Training diverged in epoch {epoch}, batch {batch}: the loss is {loss}. " +
                $"Try a lower learning rate than {learningRate:G4} (--lr).")
{
    public int Epoch { get; } = epoch;
    public int Batch { get; } = batch;
}

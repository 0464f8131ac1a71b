namespace GpuDigits.Model.Training;

/// <summary>One row of metrics.csv: what an epoch did. Accuracies are fractions in [0, 1].</summary>
public sealed record EpochMetrics(
    int Epoch,
    double TrainLoss,
    double TrainAccuracy,
    double TestLoss,
    double TestAccuracy,
    double LearningRate,
    double EpochSeconds,
    double SamplesPerSecond,
    string Device);

/// <summary>Progress inside an epoch, for the live display.</summary>
public readonly record struct BatchProgress(
    int Epoch,
    int Epochs,
    int Batch,
    int Batches,
    double RunningLoss,
    double RunningAccuracy,
    double SamplesPerSecond);

/// <summary>Loss and accuracy of a model over a labeled set.</summary>
public readonly record struct Evaluation(double Loss, double Accuracy, int Count);

/// <summary>
/// Where an epoch's time went inside the trainer, in seconds: the step loop (what <see cref="EpochMetrics.EpochSeconds"/>
/// reports), the part of it spent reading the running loss and checking the parameters for the progress display,
/// the end-of-epoch copy of parameters and optimizer state to the host (with its divergence check), and the test
/// evaluation after it.
/// </summary>
public readonly record struct EpochTimings(double StepLoop, double ProgressReads, double EndOfEpochCopy, double Evaluation);

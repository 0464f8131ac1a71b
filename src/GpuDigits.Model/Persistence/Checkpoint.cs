using GpuDigits.Data;
using GpuDigits.Model.Training;

namespace GpuDigits.Model.Persistence;

/// <summary>
/// How a run was started, beyond the trainer's own state, so that <c>train --resume</c> can rebuild it the same way:
/// the device it ran on, the data set, data folder and image limits it used, and where its metrics CSV is.
/// </summary>
/// <param name="Device">Device id, e.g. <c>cpu</c> or <c>opencl:0</c>.</param>
/// <param name="DataDirectory">The MNIST folder used (absolute), or null for the default.</param>
/// <param name="TrainLimit">--train-limit, or null for all images.</param>
/// <param name="TestLimit">--test-limit, or null for all images.</param>
/// <param name="MetricsPath">The run's metrics CSV: relative to the run folder when it lies inside it (so a moved folder still finds it), else absolute.</param>
public sealed record RunSettings(string Device, string? DataDirectory, int? TrainLimit, int? TestLimit, string MetricsPath)
{
    /// <summary>The data set's name (<see cref="GpuDigits.Data.DataSet.Name"/>): <c>mnist</c> unless told otherwise.</summary>
    public string DataSet { get; init; } = GpuDigits.Data.DataSet.Mnist.Name;

    /// <summary>For a data set of one's own (<see cref="GpuDigits.Data.DataSet.FolderName"/>): its class names, by label; else unused.</summary>
    public IReadOnlyList<string>? ClassNames { get; init; }

    /// <summary>Longest text field, in UTF-8 bytes.</summary>
    public const int MaxTextBytes = 4096;

    /// <summary>Throws <see cref="ArgumentException"/> unless every field can be saved and read back.</summary>
    public RunSettings Validate()
    {
        CheckText(Device, nameof(Device), allowEmpty: false);
        if (DataDirectory is not null) CheckText(DataDirectory, nameof(DataDirectory), allowEmpty: false);
        CheckText(MetricsPath, nameof(MetricsPath), allowEmpty: false);
        if (!GpuDigits.Data.DataSet.IsName(DataSet)) throw new ArgumentException($"'{DataSet}' is not a data set this build knows.");
        if (ClassNames is not null)
            foreach (var name in ClassNames) CheckText(name, nameof(ClassNames), allowEmpty: false);
        if (TrainLimit is < 1) throw new ArgumentException($"A train limit must be positive, got {TrainLimit}.");
        if (TestLimit is < 1) throw new ArgumentException($"A test limit must be positive, got {TestLimit}.");
        return this;
    }

    private static void CheckText(string? value, string name, bool allowEmpty)
    {
        if (value is null || (!allowEmpty && value.Length == 0))
            throw new ArgumentException($"{name} must not be empty.");
        if (System.Text.Encoding.UTF8.GetByteCount(value) > MaxTextBytes)
            throw new ArgumentException($"{name} is longer than {MaxTextBytes} bytes.");
        if (value.Any(char.IsControl)) throw new ArgumentException($"{name} holds control characters.");
    }
}

/// <summary>A run saved at an epoch boundary: the trainer's <see cref="TrainingState"/> and the <see cref="RunSettings"/>.</summary>
public sealed record Checkpoint(TrainingState State, RunSettings Run);

using GpuDigits.Cli.Presentation;
using GpuDigits.Model.Training;
using NUnit.Framework;

namespace GpuDigits.Tests.Cli;

/// <summary>
/// The training display fits an 80-column terminal: an epoch line at its widest values, and the live batch line
/// (the description column beside a 10-character bar and the remaining-time column, about 20 more) with a run ETA.
/// </summary>
public sealed class TrainingDisplayTests
{
    [Test]
    public void AnEpochLineFits80Columns()
    {
        var widest = new EpochMetrics(100, 12.3456, 1.0, 11.2345, 1.0, 0.00123456, 1234.56, 999_999, "cuda:0");
        var line = TrainingView.EpochLine(widest);
        Assert.That(line.Length, Is.LessThanOrEqualTo(80), line);
        Assert.That(line, Does.StartWith("epoch 100"));
    }

    [Test]
    public void ABatchLineLeavesRoomForTheBarAndTheEta()
    {
        var p = new BatchProgress(100, 100, 4688, 4688, 12.345, 1.0, 999_999);
        var line = TrainingView.BatchLine(p, 100, TimeSpan.FromMinutes(123.5));
        Assert.That(line.Length, Is.LessThanOrEqualTo(56), line);
        Assert.That(line, Does.Contain("run 123:30"), "the whole run's remaining time, as tqdm and Keras show it");
    }

    [Test]
    public void TheTestPassIsShownAndFits()
    {
        var p = new BatchProgress(100, 100, 4688, 4688, 12.345, 1.0, 999_999);
        var line = TrainingView.TestingLine(p, 100, TimeSpan.FromMinutes(123.5));
        Assert.That(line.Length, Is.LessThanOrEqualTo(56), line);
        Assert.That(line, Does.Contain("testing").And.Contain("run 123:30"));
    }
}

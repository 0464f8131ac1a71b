using System.Text.RegularExpressions;
using GpuDigits.Cli.Presentation;
using GpuDigits.Model.Training;
using NUnit.Framework;
using Spectre.Console;

namespace GpuDigits.Tests.Cli;

/// <summary>
/// The training display fits an 80-column terminal: an epoch line at its widest values, and the live line (the
/// description, a 10-character bar, and what is left of the epoch and of the run, in one format).
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

    [TestCase(0.05, "lr 0.05 ")]
    [TestCase(0.0001, "lr 0.0001 ")]
    [TestCase(0.00005, "lr 0.00005 ")]
    [TestCase(0.0000123456, "lr 0.0000123 ")]
    public void TheLearningRateKeepsOneFormatAsItDecays(double lr, string expected)
    {
        var line = TrainingView.EpochLine(new EpochMetrics(9, 0.1, 0.9, 0.1, 0.9, lr, 0.2, 250_000, "cpu"));
        Assert.That(line, Does.Contain(expected).And.Not.Contain("E-"));
    }

    [Test]
    public void ABatchLineAndWhatIsLeftFit80Columns()
    {
        var p = new BatchProgress(100, 100, 4688, 4688, 12.345, 1.0, 999_999);
        var description = TrainingView.BatchLine(p, 100);
        var left = TrainingView.RemainingLine(TimeSpan.FromMinutes(59.99), TimeSpan.FromHours(123.5));
        Assert.That(description.Length, Is.LessThanOrEqualTo(36), description);
        Assert.That(TrainingView.TestingLine(p, 100), Does.Contain("testing").And.Length.LessThanOrEqualTo(36));
        Assert.That(description.Length + 1 + 10 + 1 + left.Length, Is.LessThanOrEqualTo(80), left);
        Assert.That(left, Is.EqualTo("left: epoch 59:59, run 123:30:00"));
    }

    [TestCase(6, "0:06")]
    [TestCase(73, "1:13")]
    [TestCase(3599.4, "59:59")]
    [TestCase(3600, "1:00:00")]
    [TestCase(7410, "2:03:30")]
    public void DurationsHaveOneFormat(double seconds, string expected) =>
        Assert.That(TrainingView.Duration(TimeSpan.FromSeconds(seconds)), Is.EqualTo(expected));

    /// <summary>
    /// The live display itself, rendered by Spectre on an 80-column terminal: the remaining times say "left" and share
    /// one m:ss format (no "00:00:06" beside "0:13"), and no line is wider than the terminal.
    /// </summary>
    [Test]
    public void TheLiveLineSaysWhatIsLeftInOneFormat()
    {
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = AnsiSupport.Yes,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.Yes,
        });
        console.Profile.Width = 80;
        var view = new TrainingView(console, TextWriter.Null);
        view.Train(3, sink =>
        {
            for (int batch = 1; batch <= 4; batch++)
            {
                sink.Batch(new BatchProgress(1, batch, 4, 469, 0.5, 0.9, 1000));
                Thread.Sleep(150); // the display refreshes every 100 ms
            }
            sink.EpochDone(new EpochMetrics(1, 0.5, 0.9, 0.4, 0.91, 0.05, 0.6, 100_000, "cpu"));
        });
        var text = Regex.Replace(writer.ToString(), @"\x1b\[[0-9;?]*[A-Za-z]", "\n");
        var live = text.Split('\n').Where(l => l.StartsWith("ep 1/3 loss 0.5 ")).ToList();
        Assert.That(live, Is.Not.Empty, text);
        Assert.That(live, Has.All.Match(@"left: epoch \d+:\d\d, run \d+:\d\d"), string.Join("\n", live));
        Assert.That(text, Does.Not.Match(@"\d\d:\d\d:\d\d"), "no second time format");
        Assert.That(live.Max(l => l.TrimEnd().Length), Is.LessThanOrEqualTo(80));
    }
}

using System.Text.RegularExpressions;
using GpuDigits.Model.Persistence;
using GpuDigits.Model.Training;
using GpuDigits.Tests.Data;
using NUnit.Framework;

namespace GpuDigits.Tests.Cli;

/// <summary>
/// The built CLI as a user runs it: killed with SIGKILL at arbitrary moments and resumed, interrupted with SIGINT
/// or SIGTERM, compared against a run that was never interrupted (small data, CPU device, 4 epochs).
/// </summary>
[NonParallelizable]
public class ResumeProcessTests
{
    private const int Epochs = 4;
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(4);
    private TempFolder _temp = null!;
    private Lazy<(IReadOnlyList<EpochMetrics> Metrics, Checkpoint Final)> _reference = null!;

    [OneTimeSetUp]
    public void Setup()
    {
        _temp = new TempFolder();
        _reference = new(() =>
        {
            string dir = _temp.File("uninterrupted");
            var (code, output, err) = CliProcess.Run(Train(dir), Patience);
            Assert.That(code, Is.Zero, output + err);
            return (MetricsCsvReader.Read(Path.Combine(dir, "metrics.csv")), CheckpointFormat.Load(Path.Combine(dir, CheckpointFormat.FileName)));
        });
    }

    [OneTimeTearDown]
    public void TearDown() => _temp.Dispose();

    private static string[] Train(string dir, params string[] more) =>
        ["train", "--device", "cpu", "--data", TestData.MnistDirectory(), "--train-limit", "3000", "--test-limit", "500",
         .. more.Contains("--epochs") ? Array.Empty<string>() : ["--epochs", $"{Epochs}"], "--out", dir, .. more];

    private static string[] Resume(string dir) => ["train", "--resume", dir];

    private static int EpochLines(string stdout) => Regex.Matches(stdout, @"^epoch\s+\d+\s", RegexOptions.Multiline).Count;

    private static object[] Comparable(EpochMetrics m) =>
        [m.Epoch, m.TrainLoss, m.TrainAccuracy, m.TestLoss, m.TestAccuracy, m.LearningRate, m.Device];

    /// <summary>After any kill: the checkpoint loads, and the CSV is whole and lags it by at most one epoch.</summary>
    private static int CheckConsistent(string dir)
    {
        var checkpoint = CheckpointFormat.Load(Path.Combine(dir, CheckpointFormat.FileName));
        var csv = MetricsCsvReader.Read(Path.Combine(dir, "metrics.csv"));
        int saved = checkpoint.State.EpochsDone;
        Assert.That(csv.Select(m => m.Epoch), Is.EqualTo(Enumerable.Range(1, csv.Count)), "CSV epochs are 1..n, each once");
        Assert.That(csv.Count, Is.InRange(saved - 1, saved), "the CSV is written right after the checkpoint");
        Assert.That(Directory.GetFiles(dir, "*.tmp"), Is.Empty.Or.Length.LessThanOrEqualTo(1), "at most the temporary file of the write that was killed");
        return saved;
    }

    private static void AssertSameAsReference(string dir, (IReadOnlyList<EpochMetrics> Metrics, Checkpoint Final) reference)
    {
        var csv = MetricsCsvReader.Read(Path.Combine(dir, "metrics.csv"));
        Assert.That(csv.Select(Comparable), Is.EqualTo(reference.Metrics.Select(Comparable)), "metrics.csv holds every epoch once, as in the uninterrupted run");
        var final = CheckpointFormat.Load(Path.Combine(dir, CheckpointFormat.FileName)).State;
        var expected = reference.Final.State;
        Assert.That(final.EpochsDone, Is.EqualTo(Epochs));
        for (int i = 0; i < expected.Parameters.Count; i++)
            Assert.That(final.Parameters[i], Is.EqualTo(expected.Parameters[i]), $"parameter tensor {i}");
        Assert.That(final.Optimizer.Slots, Is.EqualTo(expected.Optimizer.Slots), "optimizer state");
        Assert.That(final.RandomState, Is.EqualTo(expected.RandomState), "generator state");
    }

    [Test]
    public void KilledTwiceAtRandomMomentsAndResumedEqualsAnUninterruptedRun()
    {
        var reference = _reference.Value;
        string dir = _temp.File("killed");
        var random = new Random(TestContext.CurrentContext.Random.Next());

        using (var first = CliProcess.Start(Train(dir)))
        {
            first.WaitUntil(() => EpochLines(first.Out) >= 1, Patience, "the first epoch");
            Thread.Sleep(random.Next(0, 400));
            first.Kill();
        }
        int saved = CheckConsistent(dir);
        Assert.That(saved, Is.GreaterThanOrEqualTo(1));
        TestContext.Out.WriteLine($"first kill: {saved} epoch(s) saved");

        if (saved < Epochs)
        {
            using var second = CliProcess.Start(Resume(dir));
            second.WaitUntil(() => EpochLines(second.Out) >= 1 || second.HasExited, Patience, "an epoch of the resumed run");
            Thread.Sleep(random.Next(0, 400));
            second.Kill();
            saved = CheckConsistent(dir);
            TestContext.Out.WriteLine($"second kill: {saved} epoch(s) saved");
        }

        // What a kill in the middle of a save leaves behind, and a file of the user's that only looks similar.
        string stale = Path.Combine(dir, $".{CheckpointFormat.FileName}.{Guid.NewGuid():N}.tmp"), mine = Path.Combine(dir, ".notes.tmp");
        File.WriteAllBytes(stale, new byte[100]);
        File.WriteAllText(mine, "keep me");

        var (code, output, err) = CliProcess.Run(Resume(dir), Patience);
        Assert.That(code, Is.Zero, output + err);
        Assert.That(output, Does.Contain("Resuming"));
        AssertSameAsReference(dir, reference);
        Assert.That(File.Exists(stale), Is.False, "resume removes temporary files of interrupted saves");
        Assert.That(File.ReadAllText(mine), Is.EqualTo("keep me"));
        Assert.That(Directory.GetFiles(dir, "*.tmp"), Is.EqualTo(new[] { mine }), "a finished run leaves no temporary files");
    }

    [TestCase(CliProcess.SIGINT, 130)]
    [TestCase(CliProcess.SIGTERM, 143)]
    public void ASignalStopsAtTheEndOfABatchKeepsTheLastEpochAndSaysHowToResume(int signal, int expectedCode)
    {
        var reference = _reference.Value;
        string dir = _temp.File($"signal-{signal}");
        using (var run = CliProcess.Start(Train(dir)))
        {
            run.WaitUntil(() => EpochLines(run.Out) >= 1, Patience, "the first epoch");
            run.Signal(signal);
            int code = run.WaitForExit(TimeSpan.FromMinutes(1));
            if (code == 0) Assert.Inconclusive("The run finished before the signal arrived.");
            Assert.That(code, Is.EqualTo(expectedCode), run.Err);
            Assert.That(run.Err, Does.Contain($"Resume with: gpudigits train --resume {dir}"));
            Assert.That(run.Err, Does.Match(@"(^|\n)gpudigits: error: SIG(INT|TERM) received: stopped during epoch \d+; (epoch 1 is|epochs 1-\d+ are) saved in ")
                .And.Not.Contain("epochs 1-1 "), "the one message style, and no 'epochs 1-1'");
            Assert.That(run.Err, Does.Not.Contain("   at "), "no stack trace");
        }
        int saved = CheckConsistent(dir);
        Assert.That(MetricsCsvReader.Read(Path.Combine(dir, "metrics.csv")), Has.Count.EqualTo(saved), "a handled signal leaves the CSV complete");

        var (resumed, output, err) = CliProcess.Run(Resume(dir), Patience);
        Assert.That(resumed, Is.Zero, output + err);
        AssertSameAsReference(dir, reference);
    }

    [Test]
    public void ResumeKeepsTheOptionsOnlyEpochsMayChange()
    {
        string dir = _temp.File("extend");
        var (code, output, err) = CliProcess.Run(Train(dir, "--epochs", "2"), Patience);
        Assert.That(code, Is.Zero, output + err);
        var firstTwo = MetricsCsvReader.Read(Path.Combine(dir, "metrics.csv"));

        (code, _, err) = CliProcess.Run([.. Resume(dir), "--lr", "0.5", "--batch", "64"], Patience);
        Assert.That(code, Is.EqualTo(2), err);
        Assert.That(err, Does.Contain("--lr").And.Contain("--batch").And.Contain("Only --epochs"));
        Assert.That(err.Trim().Split('\n'), Has.Length.EqualTo(1), err);

        (code, _, err) = CliProcess.Run([.. Resume(dir), "--lr", "0.05", "--batch", "128", "--epochs", "1"], Patience);
        Assert.That(code, Is.EqualTo(2), "fewer epochs than already done");
        Assert.That(err, Does.Contain("fewer than the 2 epochs"));

        (code, output, err) = CliProcess.Run([.. Resume(dir), "--epochs", "3"], Patience);
        Assert.That(code, Is.Zero, output + err);
        var csv = MetricsCsvReader.Read(Path.Combine(dir, "metrics.csv"));
        Assert.That(csv.Select(m => m.Epoch), Is.EqualTo(new[] { 1, 2, 3 }));
        // The cosine schedule runs over the total: epochs 1-2 decayed towards 2 epochs, epoch 3 ends the 3-epoch curve.
        Assert.That(csv[1].LearningRate, Is.EqualTo(0.05 / 20).Within(1e-12));
        Assert.That(csv[2].LearningRate, Is.EqualTo(0.05 / 20).Within(1e-12));
        Assert.That(csv.Take(2).Select(Comparable), Is.EqualTo(firstTwo.Select(Comparable)), "the saved epochs are kept as they were");

        File.Delete(Path.Combine(dir, "model.gdm")); // as if killed after the last checkpoint, before model.gdm
        (code, output, err) = CliProcess.Run(Resume(dir), Patience);
        Assert.That(code, Is.Zero, err);
        Assert.That(output, Does.Contain("already done all 3 epochs"));
        Assert.That(File.Exists(Path.Combine(dir, "model.gdm")), "the final model is written from the checkpoint");
    }

    [Test]
    public void ASignalBeforeTheFirstEpochEndsLeavesNothingBehind()
    {
        string dir = _temp.File("early");
        // All 60,000 images: the first epoch takes long enough to be interrupted.
        using var run = CliProcess.Start(["train", "--device", "cpu", "--data", TestData.MnistDirectory(), "--epochs", "1", "--out", dir]);
        run.WaitUntil(() => run.Out.Contains("GpuDigits training"), Patience, "training to start");
        run.Signal(CliProcess.SIGINT);
        int code = run.WaitForExit(TimeSpan.FromMinutes(1));
        if (code == 0) Assert.Inconclusive("The epoch finished before the signal arrived.");
        Assert.That(code, Is.EqualTo(130), run.Err);
        Assert.That(run.Err, Does.Contain("stopped before the first epoch finished; nothing was saved"));
        Assert.That(Directory.Exists(dir), Is.False, "the run folder it created is removed");
    }
}

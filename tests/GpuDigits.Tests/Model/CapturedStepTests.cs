using GpuDigits.Data;
using GpuDigits.Engine;
using GpuDigits.Engine.Verification;
using GpuDigits.Model;
using GpuDigits.Model.Training;
using NUnit.Framework;

namespace GpuDigits.Tests.Model;

/// <summary>
/// The trainer records one training step and replays it (<see cref="Accelerator.CaptureStep"/>). A recording keeps
/// the arguments it was made with, so these tests train on <see cref="RecordingCpuAccelerator"/>, which records the
/// way a CUDA graph does, and require metrics identical to the CPU accelerator's: any per-step value that reached the
/// ops by argument instead of through device memory would go stale in the replays and change them.
/// </summary>
[TestFixture]
public class CapturedStepTests
{
    private static (MnistSplit Train, MnistSplit Test) Subsets(int train, int test)
    {
        var data = MnistDataset.Load(TestData.MnistDirectory());
        return (data.Train.Take(train), data.Test.Take(test));
    }

    private static List<EpochMetrics> Train(Accelerator acc, TrainingOptions options, MnistSplit train, MnistSplit test,
        out Trainer trainerStats)
    {
        var trainer = new Trainer(acc, NetworkSpec.Default, options, train, test, Normalization.FromImages(train.Images));
        var history = new List<EpochMetrics>();
        trainer.Run(history.Add);
        trainerStats = trainer;
        trainer.Dispose();
        return history;
    }

    // 1000 images at batch 96: ten full batches and a partial one of 40 per epoch; two epochs under the cosine
    // schedule change the learning rate between them; Adam changes its bias corrections every step.
    public static IEnumerable<OptimizerKind> EveryOptimizer => OptimizerCatalog.All.Select(d => d.Kind);

    [TestCaseSource(nameof(EveryOptimizer))]
    public void ReplayedStepsTrainExactlyAsOpByOpSteps(OptimizerKind optimizer)
    {
        var (train, test) = Subsets(1000, 200);
        var options = new TrainingOptions { Epochs = 2, BatchSize = 96, Optimizer = optimizer, Seed = 3 };

        using var cpu = AcceleratorCatalog.Default().Open("cpu");
        var expected = Train(cpu, options, train, test, out var plain);
        using var recording = new RecordingCpuAccelerator();
        var actual = Train(recording, options, train, test, out var replayed);

        Assert.That(plain.ReplayedSteps, Is.Zero, "the CPU accelerator runs ops one by one");
        Assert.That(recording.Captures, Is.EqualTo(1), "one recording serves the whole run");
        // 2 epochs x 11 steps: the first step runs op by op, the partial batches (2) too, the other 19 are replays.
        Assert.That(replayed.ReplayedSteps, Is.EqualTo(19));
        Assert.That(recording.Replays, Is.EqualTo(19));
        Assert.That(replayed.RecordedOps, Is.GreaterThan(10));

        Assert.That(actual.Select(Losses), Is.EqualTo(expected.Select(Losses)));
        Assert.That(actual[1].TrainLoss, Is.LessThan(actual[0].TrainLoss));
    }

    private static (double, double, double, double) Losses(EpochMetrics m) => (m.TrainLoss, m.TrainAccuracy, m.TestLoss, m.TestAccuracy);

    [Test]
    public void WithoutRecordingEveryStepRunsOpByOpWithTheSameResult()
    {
        var (train, test) = Subsets(500, 100);
        var options = new TrainingOptions { Epochs = 1, BatchSize = 64 };
        using var recording = new RecordingCpuAccelerator();
        var replayed = Train(recording, options, train, test, out _);
        using var plain = new RecordingCpuAccelerator { CanRecord = false };
        var direct = Train(plain, options, train, test, out var trainer);
        Assert.That(trainer.ReplayedSteps, Is.Zero);
        Assert.That(trainer.RecordedOps, Is.Zero);
        Assert.That(plain.Captures, Is.Zero);
        Assert.That(direct.Select(Losses), Is.EqualTo(replayed.Select(Losses)));
    }

    [Test]
    public void ProgressIsReadOnlyAtEpochEndsWithoutAnInterval()
    {
        var (train, test) = Subsets(640, 100);
        var options = new TrainingOptions { Epochs = 2, BatchSize = 64, ProgressInterval = null };
        using var acc = AcceleratorCatalog.Default().Open("cpu");
        using var trainer = new Trainer(acc, NetworkSpec.Default, options, train, test, Normalization.FromImages(train.Images));
        var reports = new List<BatchProgress>();
        var epochs = new List<EpochMetrics>();
        trainer.Run(epochs.Add, reports.Add);
        Assert.That(reports.Select(r => (r.Epoch, r.Batch)), Is.EqualTo(new[] { (1, 10), (2, 10) }));
        for (int i = 0; i < 2; i++)
        {
            Assert.That(reports[i].RunningLoss, Is.EqualTo(epochs[i].TrainLoss).Within(1e-12));
            Assert.That(reports[i].RunningAccuracy, Is.EqualTo(epochs[i].TrainAccuracy).Within(1e-12));
        }
    }

    [Test]
    public void ProgressAtEveryBatchWithAZeroInterval()
    {
        var (train, test) = Subsets(640, 100);
        var options = new TrainingOptions { Epochs = 1, BatchSize = 64, ProgressInterval = TimeSpan.Zero };
        using var acc = AcceleratorCatalog.Default().Open("cpu");
        using var trainer = new Trainer(acc, NetworkSpec.Default, options, train, test, Normalization.FromImages(train.Images));
        var reports = new List<BatchProgress>();
        trainer.Run(null, reports.Add);
        Assert.That(reports.Select(r => r.Batch), Is.EqualTo(Enumerable.Range(1, 10)));
    }

    [Test]
    public void NegativeProgressIntervalIsRejected() =>
        Assert.Throws<ArgumentException>(() => new TrainingOptions { ProgressInterval = TimeSpan.FromMilliseconds(-1) }.Validate());

    [Test]
    public void TheVerifierChecksACapturedStepWhereTheDeviceRecords()
    {
        using var recording = new RecordingCpuAccelerator();
        var rows = AcceleratorVerifier.Run(recording, NetworkSpec.Default.TrainingShapes(128, MnistSplit.TrainImages));
        var failed = rows.Where(r => !r.Passed).Select(r => $"{r.Op} [{r.Shape}]").ToArray();
        Assert.That(failed, Is.Empty);
        Assert.That(rows.Where(r => r.Op == "capture_step weights"), Has.Exactly(1).Items);

        using var cpu = AcceleratorCatalog.Default().Open("cpu");
        Assert.That(cpu.CaptureStep(() => { }), Is.Null, "the CPU accelerator does not record");
        Assert.That(AcceleratorVerifier.Run(cpu, NetworkSpec.Default.TrainingShapes(128, MnistSplit.TrainImages)).Where(r => r.Op.StartsWith("capture_step", StringComparison.Ordinal)), Is.Empty);
    }

    [Test]
    public void AStepThatReadsTheHostCannotBeRecorded()
    {
        using var recording = new RecordingCpuAccelerator();
        using var buffer = recording.Allocate<float>(4);
        Assert.Throws<InvalidOperationException>(() => recording.CaptureStep(() => buffer.ToArray()));
    }
}

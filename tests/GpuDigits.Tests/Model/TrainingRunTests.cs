using GpuDigits.Data;
using GpuDigits.Engine;
using GpuDigits.Model;
using GpuDigits.Model.Persistence;
using GpuDigits.Model.Runs;
using GpuDigits.Model.Training;
using GpuDigits.Tests.Data;
using NUnit.Framework;

namespace GpuDigits.Tests.Model;

/// <summary>
/// The run protocol in process (<see cref="TrainingRun"/>): which files an epoch writes and in which order, the
/// best-model rule, resuming (the CSV follows the checkpoint), completing a run whose model.gdm is missing or stale,
/// and the folder rules (one run per folder, one process per folder, a checkpoint cannot choose where the run writes).
/// The SIGKILL tests through the CLI (ResumeProcessTests) stay as end-to-end checks.
/// </summary>
public sealed class TrainingRunTests
{
    private static readonly Lazy<(MnistSplit Train, MnistSplit Test)> Small = new(() =>
    {
        var data = MnistDataset.Load(TestData.MnistDirectory());
        return (data.Train.Take(600), data.Test.Take(200));
    });

    private TempFolder _temp = null!;
    private Accelerator _acc = null!;

    [SetUp]
    public void SetUp()
    {
        _temp = new TempFolder();
        _acc = AcceleratorCatalog.Default().Open("cpu");
    }

    [TearDown]
    public void TearDown()
    {
        _acc.Dispose();
        _temp.Dispose();
    }

    private Trainer NewTrainer(int epochs)
    {
        var (train, test) = Small.Value;
        return new Trainer(_acc, NetworkSpec.Default with { Hidden = [16] }, new TrainingOptions { Epochs = epochs, Seed = 3, BatchSize = 100 },
            train, test, Normalization.FromImages(train.Images));
    }

    private static RunSettings Settings(TrainingRun run) => new("cpu", TestData.MnistDirectory(), 600, 200, run.MetricsPathForCheckpoint);

    private static void TrainAll(TrainingRun run, Trainer trainer) => trainer.Run(run.EpochDone);

    [Test]
    public void EachEpochSavesTheBestModelTheCheckpointAndTheCsvAndFinishWritesTheModel()
    {
        string dir = _temp.File("run");
        using (var run = TrainingRun.Start(dir, null))
        using (var trainer = NewTrainer(3))
        {
            run.Attach(trainer, Settings(run));
            Assert.That(File.Exists(Path.Combine(dir, RunFolder.LockName)), Is.True, "the folder is held");
            trainer.Run(epoch =>
            {
                run.EpochDone(epoch);
                Assert.That(CheckpointFormat.Load(Path.Combine(dir, CheckpointFormat.FileName)).State.EpochsDone, Is.EqualTo(epoch.Epoch));
                Assert.That(MetricsCsvReader.Read(run.MetricsPath), Is.EqualTo(trainer.History), "the CSV holds exactly the saved epochs");
                Assert.That(File.Exists(run.FinalModelPath), Is.False, "model.gdm only at the end");
            });
            run.Finish();
            var best = trainer.History.MaxBy(h => h.TestAccuracy)!; // the first of equally good epochs
            Assert.That(run.Best, Is.EqualTo(best));
            Assert.That(ModelFormat.Load(run.BestModelPath).Metadata["epoch"], Is.EqualTo(best.Epoch.ToString()));
            Assert.That(ModelFormat.Load(run.FinalModelPath).Metadata["epoch"], Is.EqualTo("3"));
        }
        Assert.That(File.Exists(Path.Combine(dir, RunFolder.LockName)), Is.False, "disposing releases the folder");
    }

    [Test]
    public void AFailedCheckpointWriteKeepsThePreviousCheckpointAndCsv()
    {
        string dir = _temp.File("run");
        using var run = TrainingRun.Start(dir, null);
        using var trainer = NewTrainer(2);
        run.Attach(trainer, Settings(run));
        run.EpochDone(trainer.RunEpoch());
        var checkpoint = File.ReadAllBytes(Path.Combine(dir, CheckpointFormat.FileName));
        var csv = File.ReadAllText(run.MetricsPath);

        // The checkpoint's name taken by a folder: the atomic rename is refused.
        File.Move(Path.Combine(dir, CheckpointFormat.FileName), Path.Combine(dir, "kept.gdm"));
        Directory.CreateDirectory(Path.Combine(dir, CheckpointFormat.FileName));
        var epoch2 = trainer.RunEpoch();
        var e = Assert.Throws<IOException>(() => run.EpochDone(epoch2))!;
        Assert.That(e.Message, Does.Contain("Cannot write the checkpoint of epoch 2").And.Contain("unchanged"));
        Assert.That(File.ReadAllText(run.MetricsPath), Is.EqualTo(csv), "the CSV is written after the checkpoint, so it still says epoch 1");
        Assert.That(File.ReadAllBytes(Path.Combine(dir, "kept.gdm")), Is.EqualTo(checkpoint));
        Assert.That(run.SavedEpoch, Is.EqualTo(1));
    }

    [Test]
    public void AResumedRunRewritesTheCsvFromItsCheckpointAndEndsLikeAnUninterruptedOne()
    {
        List<EpochMetrics> whole;
        using (var run = TrainingRun.Start(_temp.File("whole"), null))
        using (var trainer = NewTrainer(3))
        {
            run.Attach(trainer, Settings(run));
            TrainAll(run, trainer);
            run.Finish();
            whole = [.. trainer.History];
        }

        string dir = _temp.File("stopped");
        using (var run = TrainingRun.Start(dir, null))
        using (var trainer = NewTrainer(3))
        {
            run.Attach(trainer, Settings(run));
            run.EpochDone(trainer.RunEpoch());
            run.EpochDone(trainer.RunEpoch());
        }
        File.AppendAllText(Path.Combine(dir, "metrics.csv"), "3,9,9,9,9,9,9,9,cpu\n"); // a row no checkpoint holds

        var checkpoint = CheckpointFormat.Load(Path.Combine(dir, CheckpointFormat.FileName));
        using (var run = TrainingRun.Resume(dir, checkpoint, metricsConfirmed: false))
        using (var trainer = NewTrainer(3))
        {
            run.Attach(trainer, checkpoint.Run);
            Assert.That(MetricsCsvReader.Read(run.MetricsPath), Has.Count.EqualTo(2), "the CSV follows the checkpoint");
            Assert.That(run.Best, Is.EqualTo(trainer.History.MaxBy(h => h.TestAccuracy)));
            TrainAll(run, trainer);
            run.Finish();
            Assert.That(trainer.History.Select(h => h with { EpochSeconds = 0, SamplesPerSecond = 0 }),
                Is.EqualTo(whole.Select(h => h with { EpochSeconds = 0, SamplesPerSecond = 0 })));
        }
    }

    [Test]
    public void ACompleteRunWithAStaleModelIsFinishedFromItsCheckpoint()
    {
        string dir = _temp.File("run");
        using (var run = TrainingRun.Start(dir, null))
        using (var trainer = NewTrainer(2))
        {
            run.Attach(trainer, Settings(run));
            run.EpochDone(trainer.RunEpoch());
            run.Finish(); // a model.gdm of epoch 1, as an earlier, shorter run left it
            run.EpochDone(trainer.RunEpoch());
        }
        Assert.That(ModelFormat.Load(Path.Combine(dir, RunModels.FinalName)).Metadata["epoch"], Is.EqualTo("1"));

        var checkpoint = CheckpointFormat.Load(Path.Combine(dir, CheckpointFormat.FileName));
        using var resumed = TrainingRun.Resume(dir, checkpoint, metricsConfirmed: false);
        using var again = NewTrainer(2);
        resumed.Attach(again, checkpoint.Run);
        Assert.That(resumed.IsComplete, Is.True);
        resumed.Finish();
        Assert.That(ModelFormat.Load(resumed.FinalModelPath).Metadata["epoch"], Is.EqualTo("2"));
    }

    [Test]
    public void TheFolderRules()
    {
        string dir = _temp.File("run");
        using (var run = TrainingRun.Start(dir, null))
        {
            var inUse = Assert.Throws<RunFolderException>(() => TrainingRun.Start(dir, null))!;
            Assert.That(inUse.Problem, Is.EqualTo(RunFolderProblem.InUse));
            using var trainer = NewTrainer(1);
            run.Attach(trainer, Settings(run));
            TrainAll(run, trainer);
        }
        var holds = Assert.Throws<RunFolderException>(() => TrainingRun.Start(dir, null))!;
        Assert.That((holds.Problem, holds.Path), Is.EqualTo((RunFolderProblem.HoldsARun, dir)));
        var own = Assert.Throws<RunFolderException>(() => TrainingRun.Start(_temp.File("other"), _temp.File("other/checkpoint.gdm")))!;
        Assert.That(own.Problem, Is.EqualTo(RunFolderProblem.MetricsPath));

        // A checkpoint naming a metrics file outside its folder: refused unless the caller confirms that path.
        var checkpoint = CheckpointFormat.Load(Path.Combine(dir, CheckpointFormat.FileName));
        var forged = new Checkpoint(checkpoint.State, checkpoint.Run with { MetricsPath = _temp.File("elsewhere.csv") });
        var untrusted = Assert.Throws<RunFolderException>(() => TrainingRun.Resume(dir, forged, metricsConfirmed: false))!;
        Assert.That(untrusted.Problem, Is.EqualTo(RunFolderProblem.UntrustedMetricsPath));
        using (TrainingRun.Resume(dir, forged, metricsConfirmed: true)) { }
        Assert.That(File.Exists(_temp.File("elsewhere.csv")), Is.False, "opening writes nothing");
    }

    [Test]
    public void ARunThatSavesNoEpochLeavesNothing()
    {
        string dir = _temp.File("a/b/run");
        using (var run = TrainingRun.Start(dir, null))
            run.AbandonIfEmpty();
        Assert.That(Directory.Exists(_temp.File("a")), Is.False, "the folders it created are removed");
    }
}

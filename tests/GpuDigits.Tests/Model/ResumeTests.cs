using GpuDigits.Data;
using GpuDigits.Engine;
using GpuDigits.Model;
using GpuDigits.Model.Optimizers;
using GpuDigits.Model.Training;
using NUnit.Framework;

namespace GpuDigits.Tests.Model;

/// <summary>
/// A run stopped after any epoch and continued from <see cref="Trainer.State"/> in a new trainer ends with exactly
/// the parameters and metrics of a run that never stopped; optimizer state survives export and import.
/// </summary>
public class ResumeTests
{
    private static readonly Lazy<(MnistSplit Train, MnistSplit Test)> Small = new(() =>
    {
        var data = MnistDataset.Load(TestData.MnistDirectory());
        return (data.Train.Take(1500), data.Test.Take(300));
    });

    private static Trainer NewTrainer(Accelerator acc, TrainingOptions options)
    {
        var (train, test) = Small.Value;
        return new Trainer(acc, NetworkSpec.Default with { Hidden = [32, 16] }, options, train, test, Normalization.FromImages(train.Images));
    }

    private static object[] Comparable(EpochMetrics m) => [m.Epoch, m.TrainLoss, m.TrainAccuracy, m.TestLoss, m.TestAccuracy, m.LearningRate, m.Device];

    /// <summary>Every optimizer stopped after one epoch, and SGD after two.</summary>
    public static IEnumerable<TestCaseData> ResumeCases() =>
        [.. OptimizerCatalog.All.Select(d => new TestCaseData(d.Kind, 1)), new TestCaseData(OptimizerKind.Sgd, 2)];

    [TestCaseSource(nameof(ResumeCases))]
    public void ResumedRunEqualsUninterruptedRun(OptimizerKind optimizer, int stopAfter)
    {
        var options = new TrainingOptions { Epochs = 3, Optimizer = optimizer, Seed = 7, BatchSize = 100 };
        using var acc = AcceleratorCatalog.Default().Open("cpu");

        float[][] expectedParameters;
        List<EpochMetrics> expected = [];
        using (var whole = NewTrainer(acc, options))
        {
            whole.Run(expected.Add);
            expectedParameters = whole.Network.ExportParameters();
        }

        TrainingState saved;
        using (var first = NewTrainer(acc, options))
        {
            for (int e = 0; e < stopAfter; e++) first.RunEpoch();
            saved = first.State;
            first.RunEpoch(); // work after the saved state is lost, as if the process had been killed
        }

        using var resumed = NewTrainer(acc, options with { Seed = 7 });
        resumed.Restore(saved);
        Assert.That(resumed.EpochsDone, Is.EqualTo(stopAfter));
        resumed.Run();

        Assert.That(resumed.History.Select(Comparable), Is.EqualTo(expected.Select(Comparable)));
        var actual = resumed.Network.ExportParameters();
        for (int i = 0; i < actual.Length; i++)
            Assert.That(actual[i], Is.EqualTo(expectedParameters[i]), $"parameter tensor {i}");
        Assert.That(resumed.Optimizer.StepCount, Is.EqualTo(3 * 15));
    }

    [Test]
    public void StateIsACopyTakenAtTheEpochBoundary()
    {
        using var acc = AcceleratorCatalog.Default().Open("cpu");
        using var trainer = NewTrainer(acc, new TrainingOptions { Epochs = 2 });
        var initial = trainer.State;
        Assert.That(initial.EpochsDone, Is.Zero);
        Assert.That(initial.Parameters[0], Is.EqualTo(trainer.Network.ExportParameters()[0]));
        trainer.RunEpoch();
        Assert.That(trainer.State.EpochsDone, Is.EqualTo(1));
        Assert.That(trainer.State.History, Has.Count.EqualTo(1));
        Assert.That(trainer.State.Parameters[0], Is.EqualTo(trainer.Network.ExportParameters()[0]));
        Assert.That(initial.Parameters[0], Is.Not.EqualTo(trainer.State.Parameters[0]), "the earlier state is not changed by training");
        Assert.That(trainer.State.RandomState, Is.Not.EqualTo(initial.RandomState));
    }

    [Test]
    public void RestoreRefusesAnotherRun()
    {
        using var acc = AcceleratorCatalog.Default().Open("cpu");
        using var source = NewTrainer(acc, new TrainingOptions { Epochs = 3 });
        source.RunEpoch();
        var state = source.State;

        using (var otherLr = NewTrainer(acc, new TrainingOptions { Epochs = 3, LearningRate = 0.01f }))
            Assert.That(() => otherLr.Restore(state), Throws.ArgumentException.With.Message.Contains("other options"));
        using (var longer = NewTrainer(acc, new TrainingOptions { Epochs = 5 }))
        {
            longer.Restore(state); // only the epoch count may change
            Assert.That(longer.EpochsDone, Is.EqualTo(1));
        }
        var (train, test) = Small.Value;
        using var otherData = new Trainer(acc, NetworkSpec.Default with { Hidden = [32, 16] }, new TrainingOptions { Epochs = 3 },
            train.Take(1400), test, Normalization.FromImages(train.Images));
        Assert.That(() => otherData.Restore(state), Throws.ArgumentException.With.Message.Contains("other data"));
        using var otherShape = new Trainer(acc, NetworkSpec.Default with { Hidden = [32] }, new TrainingOptions { Epochs = 3 },
            train, test, Normalization.FromImages(train.Images));
        Assert.That(() => otherShape.Restore(state), Throws.ArgumentException.With.Message.Contains("network"));
    }

    public static IEnumerable<OptimizerKind> EveryOptimizer => OptimizerCatalog.All.Select(d => d.Kind);

    [TestCaseSource(nameof(EveryOptimizer))]
    public void OptimizerStateRoundTripsAndIsChecked(OptimizerKind kind)
    {
        using var acc = AcceleratorCatalog.Default().Open("cpu");
        using var trainer = NewTrainer(acc, new TrainingOptions { Epochs = 1, Optimizer = kind });
        trainer.RunEpoch();
        var state = trainer.Optimizer.ExportState();
        Assert.That(state.Slots, Has.Count.EqualTo(Optimizer.SlotsPerParameter(kind) * trainer.Network.Parameters.Count));
        Assert.That(state.StepCount, Is.EqualTo(12)); // 1500 images in batches of 128
        Assert.That(state.Slots.Any(s => s.Any(v => v != 0)), "a trained optimizer has non-zero state");

        using var other = NewTrainer(acc, new TrainingOptions { Epochs = 1, Optimizer = kind });
        other.Optimizer.ImportState(state);
        var back = other.Optimizer.ExportState();
        Assert.That(back.StepCount, Is.EqualTo(state.StepCount));
        Assert.That(back.Slots, Is.EqualTo(state.Slots));

        Assert.That(() => other.Optimizer.ImportState(state with { Slots = state.Slots.Skip(1).ToArray() }), Throws.ArgumentException);
        Assert.That(() => other.Optimizer.ImportState(state with { Kind = EveryOptimizer.First(k => k != kind) }), Throws.ArgumentException);
        Assert.That(() => other.Optimizer.ImportState(state with { Slots = state.Slots.Select(s => s[1..]).ToArray() }), Throws.ArgumentException);
    }
}

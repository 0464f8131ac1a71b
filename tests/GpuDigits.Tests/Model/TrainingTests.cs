using GpuDigits.Data;
using GpuDigits.Engine;
using GpuDigits.Model;
using GpuDigits.Model.Training;
using NUnit.Framework;

namespace GpuDigits.Tests.Model;

/// <summary>Real training on real MNIST, through the same trainer the CLI uses.</summary>
public class TrainingTests
{
    private static (MnistSplit Train, MnistSplit Test) Subsets(int train, int test)
    {
        var data = MnistDataset.Load(TestData.MnistDirectory());
        return (data.Train.Take(train), data.Test.Take(test));
    }

    [Test]
    public void FiveThousandImagesTwoEpochsReachNinetyPercent()
    {
        var (train, test) = Subsets(5000, 1000);
        using var acc = AcceleratorCatalog.Default().Open("cpu");
        var options = new TrainingOptions { Epochs = 2, Seed = 1 };
        using var trainer = new Trainer(acc, NetworkSpec.Default, options, train, test, Normalization.FromImages(train.Images));
        var history = new List<EpochMetrics>();
        trainer.Run(history.Add);

        Assert.That(history, Has.Count.EqualTo(2));
        Assert.That(history[1].TrainLoss, Is.LessThan(history[0].TrainLoss));
        Assert.That(history[1].TestAccuracy, Is.GreaterThanOrEqualTo(0.90), $"test accuracy {history[1].TestAccuracy:P2}");
    }

    [Test]
    public void SameSeedSameMetricsOtherSeedOtherMetrics()
    {
        var (train, test) = Subsets(1000, 200);
        var norm = Normalization.FromImages(train.Images);
        EpochMetrics RunOnce(ulong seed)
        {
            using var acc = AcceleratorCatalog.Default().Open("cpu");
            using var trainer = new Trainer(acc, NetworkSpec.Default, new TrainingOptions { Epochs = 1, Seed = seed }, train, test, norm);
            return trainer.RunEpoch();
        }
        var a = RunOnce(5);
        var b = RunOnce(5);
        var c = RunOnce(6);
        Assert.That((b.TrainLoss, b.TestLoss, b.TestAccuracy), Is.EqualTo((a.TrainLoss, a.TestLoss, a.TestAccuracy)));
        Assert.That(c.TrainLoss, Is.Not.EqualTo(a.TrainLoss));
    }

    public static IEnumerable<TestCaseData> OptimizersAndActivations() =>
    [
        .. OptimizerCatalog.All.Where(d => d.Kind != OptimizerKind.Sgd).Select(d => new TestCaseData(d.Kind, Activation.Relu)),
        .. Enum.GetValues<Activation>().Where(a => a is not (Activation.None or Activation.Relu)).Select(a => new TestCaseData(OptimizerKind.Sgd, a)),
    ];

    [TestCaseSource(nameof(OptimizersAndActivations))]
    public void OtherOptimizersAndActivationsAlsoLearn(OptimizerKind optimizer, Activation activation)
    {
        var (train, test) = Subsets(6000, 500);
        using var acc = AcceleratorCatalog.Default().Open("cpu");
        var spec = NetworkSpec.Default with { Activation = activation };
        var options = new TrainingOptions { Epochs = 3, Optimizer = optimizer };
        using var trainer = new Trainer(acc, spec, options, train, test, Normalization.FromImages(train.Images));
        var history = new List<EpochMetrics>();
        trainer.Run(history.Add);
        Assert.That(history[^1].TestAccuracy, Is.GreaterThan(0.8), $"test accuracy {history[^1].TestAccuracy:P2}");
    }

    [Test]
    public void AHugeLearningRateIsReportedAsDivergence()
    {
        var (train, test) = Subsets(2000, 100);
        using var acc = AcceleratorCatalog.Default().Open("cpu");
        var options = new TrainingOptions { Epochs = 1, LearningRate = 100f, Schedule = LearningRateSchedule.Constant };
        using var trainer = new Trainer(acc, NetworkSpec.Default, options, train, test, Normalization.FromImages(train.Images));
        var ex = Assert.Throws<TrainingDivergedException>(() => trainer.Run());
        Assert.That(ex!.Message, Does.Contain("lower learning rate"));
    }

    [Test]
    public void LearningRateScheduleIsCosineToATwentieth()
    {
        var o = new TrainingOptions { Epochs = 10, LearningRate = 0.1f };
        Assert.That(o.LearningRateAt(1), Is.EqualTo(0.1).Within(1e-12));
        Assert.That(o.LearningRateAt(10), Is.EqualTo(0.005).Within(1e-12));
        Assert.That(o.LearningRateAt(5), Is.LessThan(o.LearningRateAt(4)));
        Assert.That((o with { Schedule = LearningRateSchedule.Constant }).LearningRateAt(7), Is.EqualTo(0.1).Within(1e-12));
    }
}

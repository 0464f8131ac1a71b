using GpuDigits.Cli;
using GpuDigits.Data;
using GpuDigits.Engine;
using GpuDigits.Model;
using GpuDigits.Model.Optimizers;
using GpuDigits.Model.Training;
using NUnit.Framework;

namespace GpuDigits.Tests.Cuda;

/// <summary>Real training on a real NVIDIA GPU, with and without CUDA graphs; ignored without one.</summary>
[TestFixture]
public class CudaTrainingTests
{
    private static (MnistSplit Train, MnistSplit Test) Subsets(int train, int test)
    {
        var data = MnistDataset.Load(TestData.MnistDirectory());
        return (data.Train.Take(train), data.Test.Take(test));
    }

    private static (List<EpochMetrics> History, long Replayed, int Ops) Train(bool graphs, TrainingOptions options,
        MnistSplit train, MnistSplit test)
    {
        using var acc = CudaTestDevice.OpenOrIgnore();
        acc.GraphsEnabled = graphs;
        using var trainer = new Trainer(acc, NetworkSpec.Default, options, train, test, Normalization.FromImages(train.Images));
        var history = new List<EpochMetrics>();
        trainer.Run(history.Add);
        return (history, trainer.ReplayedSteps, trainer.RecordedOps);
    }

    // Every kernel is deterministic (no atomics, fixed reduction orders), so a replayed graph must give exactly
    // the metrics of the same ops launched one by one.
    [TestCase(OptimizerKind.Sgd)]
    [TestCase(OptimizerKind.Adam)]
    public void GraphReplaysTrainExactlyLikeOpByOpLaunches(OptimizerKind optimizer)
    {
        var (train, test) = Subsets(5000, 1000);
        var options = new TrainingOptions { Epochs = 2, Optimizer = optimizer, Seed = 7 };
        var withGraphs = Train(true, options, train, test);
        var without = Train(false, options, train, test);

        int batches = (5000 + 127) / 128; // 39 full + 1 partial per epoch
        Assert.That(withGraphs.Replayed, Is.EqualTo(2 * (batches - 1) - 1), "all full batches after the first are replays");
        Assert.That(withGraphs.Ops, Is.GreaterThan(15));
        Assert.That(without.Replayed, Is.Zero);
        Assert.That(withGraphs.History.Select(m => (m.TrainLoss, m.TestLoss, m.TestAccuracy)),
            Is.EqualTo(without.History.Select(m => (m.TrainLoss, m.TestLoss, m.TestAccuracy))));
        Assert.That(withGraphs.History[^1].TestAccuracy, Is.GreaterThan(0.9));
    }

    [Test]
    public void CudaTrainsLikeTheCpu()
    {
        var (train, test) = Subsets(5000, 1000);
        var options = new TrainingOptions { Epochs = 2, Seed = 1 };
        var cuda = Train(true, options, train, test).History;
        using var cpu = AcceleratorCatalog.Default().Open("cpu");
        using var trainer = new Trainer(cpu, NetworkSpec.Default, options, train, test, Normalization.FromImages(train.Images));
        var reference = new List<EpochMetrics>();
        trainer.Run(reference.Add);
        for (int e = 0; e < 2; e++)
        {
            Assert.That(cuda[e].TrainLoss, Is.EqualTo(reference[e].TrainLoss).Within(2e-3), $"epoch {e + 1} train loss");
            Assert.That(cuda[e].TestAccuracy, Is.EqualTo(reference[e].TestAccuracy).Within(0.01), $"epoch {e + 1} test accuracy");
        }
    }

    [TestCase("on")]
    [TestCase("off")]
    public void TheTrainCommandRunsOnCudaWithGraphsOnAndOff(string graphs)
    {
        CudaTestDevice.OpenOrIgnore().Dispose();
        var folder = Path.Combine(Path.GetTempPath(), $"gpudigits-cuda-train-{Guid.NewGuid():N}");
        try
        {
            var output = new StringWriter();
            var error = new StringWriter();
            int code = CliApp.RunAsync(["train", "--device", "cuda", "--epochs", "1", "--train-limit", "2000",
                "--test-limit", "500", "--cuda-graphs", graphs, "--data", TestData.MnistDirectory(), "--out", folder], output, error)
                .GetAwaiter().GetResult();
            Assert.That(code, Is.EqualTo(ExitCodes.Success), output + error.ToString());
            Assert.That(output.ToString(), Does.Contain(graphs == "on" ? "replayed from one recorded step" : "CUDA graphs off"));
            var rows = GpuDigits.Tools.Metrics.MetricsCsvReader.Read(Path.Combine(folder, "metrics.csv"));
            Assert.That(rows, Has.Count.EqualTo(1));
            Assert.That(rows[0].Device, Is.EqualTo("cuda:0"));
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public void VerifyOnCudaPasses()
    {
        CudaTestDevice.OpenOrIgnore().Dispose();
        var output = new StringWriter();
        var error = new StringWriter();
        int code = CliApp.RunAsync(["verify", "--device", "cuda"], output, error).GetAwaiter().GetResult();
        Assert.That(code, Is.EqualTo(ExitCodes.Success), output + error.ToString());
        Assert.That(output.ToString(), Does.Contain("cuda:0").And.Contain("compute capability").And.Contain("capture_step"));
        Assert.That(output.ToString(), Does.Match(@"(\d+) of \1 checks passed"));
    }
}

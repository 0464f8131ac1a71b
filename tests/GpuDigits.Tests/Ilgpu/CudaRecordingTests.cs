using GpuDigits.Cli;
using GpuDigits.Data;
using GpuDigits.Engine;
using GpuDigits.Model;
using GpuDigits.Model.Training;
using GpuDigits.Tests.Engine;
using NUnit.Framework;

namespace GpuDigits.Tests.Ilgpu;

/// <summary>
/// A training step recorded as a CUDA graph on a real NVIDIA GPU, and real training with and without it; not
/// generated on a machine without one (DeviceCoverageTests names the absent backend and why). The same rules are checked without a GPU by CapturedStepTests on a CPU
/// stand-in that records like a graph.
/// </summary>
[TestFixtureSource(typeof(TestAccelerators), nameof(TestAccelerators.Cuda))]
public sealed class CudaRecordingTests(string device)
{
    [Test]
    public void ARecordedStepReplaysWithWhatDeviceMemoryHoldsAtEachReplay()
    {
        using var acc = IlgpuTestDevice.OpenOrIgnore(device);
        using var a = acc.Upload<float>([1f, 2f, 3f, 4f]);
        using var b = acc.Upload<float>([1f, 0f, 0f, 1f]);
        using var c = acc.Allocate<float>(4);
        using var step = acc.CaptureStep(() => acc.Gemm(false, false, 2, 2, 2, 1f, a, b, 0f, c))!;
        Assert.That(step, Is.Not.Null);
        Assert.That(step.OpCount, Is.EqualTo(1));
        step.Replay();
        Assert.That(c.ToArray(), Is.EqualTo(new[] { 1f, 2f, 3f, 4f }));
        acc.Fill(b, 2f); // the recording reads b when it runs
        step.Replay();
        Assert.That(c.ToArray(), Is.EqualTo(new[] { 6f, 6f, 14f, 14f }));
    }

    [Test]
    public void RecordingOffMeansNoRecording()
    {
        using var acc = IlgpuTestDevice.OpenOrIgnore(device);
        Assert.That(acc.CanRecordSteps, Is.True);
        acc.StepRecordingEnabled = false;
        Assert.That(acc.CaptureStep(() => { }), Is.Null);
    }

    [Test]
    public void AHostCopyCannotBeRecordedAndTheDeviceStaysUsable()
    {
        using var acc = IlgpuTestDevice.OpenOrIgnore(device);
        using var buffer = acc.Upload<float>([1f, 2f]);
        var ex = Assert.Throws<InvalidOperationException>(() => acc.CaptureStep(() => buffer.ToArray()))!;
        Assert.That(ex.Message, Does.Contain("recorded step"));
        acc.Fill(buffer, 7f);
        Assert.That(buffer.ToArray(), Is.EqualTo(new[] { 7f, 7f }));
        using var step = acc.CaptureStep(() => acc.Fill(buffer, 3f));
        step!.Replay();
        Assert.That(buffer.ToArray(), Is.EqualTo(new[] { 3f, 3f }));
    }

    [Test]
    public void DisposingTheAcceleratorReleasesItsGraphs()
    {
        var acc = IlgpuTestDevice.OpenOrIgnore(device);
        var buffer = acc.Upload<float>([1f, 2f, 3f]);
        var step = acc.CaptureStep(() => acc.Fill(buffer, 0f));
        Assert.That(step, Is.Not.Null);
        acc.Dispose();
        Assert.Throws<ObjectDisposedException>(() => step!.Replay());
    }

    private static (MnistSplit Train, MnistSplit Test) Subsets(int train, int test)
    {
        var data = MnistDataset.Load(TestData.MnistDirectory());
        return (data.Train.Take(train), data.Test.Take(test));
    }

    private (List<EpochMetrics> History, long Replayed, int Ops) Train(bool graphs, TrainingOptions options,
        MnistSplit train, MnistSplit test)
    {
        using var acc = IlgpuTestDevice.OpenOrIgnore(device);
        acc.StepRecordingEnabled = graphs;
        using var trainer = new Trainer(acc, NetworkSpec.Default, options, train, test, Normalization.FromImages(train.Images));
        var history = new List<EpochMetrics>();
        trainer.Run(history.Add);
        return (history, trainer.ReplayedSteps, trainer.RecordedOps);
    }

    // Every kernel is deterministic (no atomics, fixed reduction orders), so a replayed graph must give exactly
    // the metrics of the same ops launched one by one.
    public static IEnumerable<OptimizerKind> EveryOptimizer => OptimizerCatalog.All.Select(d => d.Kind);

    [TestCaseSource(nameof(EveryOptimizer))]
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

    [TestCase("on")]
    [TestCase("off")]
    public void TheTrainCommandRunsOnCudaWithGraphsOnAndOff(string graphs)
    {
        IlgpuTestDevice.OpenOrIgnore(device).Dispose();
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
            var rows = GpuDigits.Model.Persistence.MetricsCsvReader.Read(Path.Combine(folder, "metrics.csv"));
            Assert.That(rows, Has.Count.EqualTo(1));
            Assert.That(rows[0].Device, Is.EqualTo("cuda:0"));
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }
}

using GpuDigits.Cli;
using GpuDigits.Tests.Ilgpu;
using GpuDigits.Model.Persistence;
using GpuDigits.Tests.Engine;
using NUnit.Framework;

namespace GpuDigits.Tests.Cli;

/// <summary>
/// <c>gpudigits verify</c> and <c>gpudigits train</c> on the ILGPU devices, through the command line: verify passes,
/// and a training run lands where the same run on the managed CPU backend does. The kernels sum in other orders than
/// the CPU twins, so the runs drift apart slowly: after one epoch the train loss agrees to 2 % and the test accuracy
/// to 1 point (the same bounds as DeviceTrainingParityTests).
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class DeviceCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => Viz.CliRunner.Run(args);

    [TestCaseSource(typeof(TestAccelerators), nameof(TestAccelerators.IlgpuCpuAndOpenCl))]
    public void VerifyPasses(string device)
    {
        IlgpuTestDevice.OpenOrIgnore(device).Dispose();
        var (code, output, err) = Run("verify", "--device", device);
        Assert.That(code, Is.EqualTo(ExitCodes.Success), output + err);
        Assert.That(output, Does.Contain(device).And.Contain("gemm").And.Contain("gather_batch").And.Contain("ILGPU"));
        Assert.That(output, Does.Match(@"(\d+) of \1 checks passed"));
    }

    [Test]
    public void VerifyOnAnUnknownDeviceIsOneClearLine()
    {
        var (code, _, err) = Run("verify", "--device", "tpu:3");
        Assert.That(code, Is.EqualTo(ExitCodes.Usage), err);
        Assert.That(err.Trim().Split('\n'), Has.Length.EqualTo(1), err);
        Assert.That(err, Does.Contain("Unknown device 'tpu:3'"));
    }

    /// <summary>
    /// ilgpu-cpu: 512 training and 512 test images, one epoch (the simulator takes about a second a step);
    /// OpenCL: one full epoch of 60,000 on the 10,000 test images.
    /// </summary>
    private static IEnumerable<TestCaseData> TrainingCases() =>
        [new("ilgpu-cpu", 512, 512), .. TestAccelerators.OpenCl().Select(d => new TestCaseData(d, 0, 0))];

    [TestCaseSource(nameof(TrainingCases))]
    public void TrainingAgreesWithTheCpu(string device, int trainLimit, int testLimit)
    {
        IlgpuTestDevice.OpenOrIgnore(device).Dispose();
        var root = Path.Combine(Path.GetTempPath(), $"gpudigits-train-{device}-{Guid.NewGuid():N}");
        try
        {
            var runs = new Dictionary<string, GpuDigits.Model.Training.EpochMetrics>();
            foreach (var d in new[] { device, "cpu" })
            {
                var folder = Path.Combine(root, d);
                var args = new List<string> { "train", "--device", d, "--epochs", "1", "--seed", "3", "--data", TestData.MnistDirectory(), "--out", folder };
                if (trainLimit > 0) args.AddRange(["--train-limit", trainLimit.ToString(), "--test-limit", testLimit.ToString()]);
                var (code, output, err) = Run([.. args]);
                Assert.That(code, Is.EqualTo(ExitCodes.Success), output + err);
                var rows = MetricsCsvReader.Read(Path.Combine(folder, "metrics.csv"));
                Assert.That(rows, Has.Count.EqualTo(1));
                runs[d] = rows[0];
            }
            var (other, cpu) = (runs[device], runs["cpu"]);
            TestContext.Out.WriteLine($"{device}: train loss {other.TrainLoss:F5} test acc {other.TestAccuracy:P2}; " +
                                      $"cpu: train loss {cpu.TrainLoss:F5} test acc {cpu.TestAccuracy:P2}");
            Assert.That(other.Device, Does.StartWith(device));
            Assert.That(other.TrainLoss, Is.EqualTo(cpu.TrainLoss).Within(2).Percent, "train loss");
            Assert.That(other.TestLoss, Is.EqualTo(cpu.TestLoss).Within(2).Percent, "test loss");
            Assert.That(other.TestAccuracy, Is.EqualTo(cpu.TestAccuracy).Within(0.01), "test accuracy");
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
    }
}

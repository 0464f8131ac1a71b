using GpuDigits.Cli;
using GpuDigits.Tests.Data;
using GpuDigits.Tests.Viz;
using NUnit.Framework;

namespace GpuDigits.Tests.Cli;

/// <summary>The GPUDIGITS_* variables, read by the CLI alone (EnvironmentSettings) and passed to the libraries.</summary>
[NonParallelizable]
public sealed class EnvironmentSettingsTests
{
    private readonly Dictionary<string, string?> _saved = [];
    private static readonly string[] Variables =
        [EnvironmentSettings.DataVariable, EnvironmentSettings.CpuThreadsVariable, EnvironmentSettings.CpuSplitVariable, EnvironmentSettings.CudaGraphsVariable];

    [SetUp]
    public void Save()
    {
        foreach (var v in Variables) _saved[v] = Environment.GetEnvironmentVariable(v);
    }

    [TearDown]
    public void Restore()
    {
        foreach (var (v, value) in _saved) Environment.SetEnvironmentVariable(v, value);
    }

    [TestCase(null, true)]
    [TestCase("", true)]
    [TestCase("on", true)]
    [TestCase(" 1 ", true)]
    [TestCase("TRUE", true)]
    [TestCase("off", false)]
    [TestCase("0", false)]
    [TestCase("no", false)]
    public void TheGraphsSwitch(string? text, bool expected) =>
        Assert.That(EnvironmentSettings.ParseCudaGraphs(text), Is.EqualTo(expected));

    [Test]
    public void UnknownValuesAreUsageErrorsNamingTheVariable()
    {
        Assert.That(Assert.Throws<UsageException>(() => EnvironmentSettings.ParseCudaGraphs("sometimes"))!.Message,
            Does.Contain("GPUDIGITS_CUDA_GRAPHS='sometimes'").And.Contain("on, off"));
        Environment.SetEnvironmentVariable(EnvironmentSettings.CpuThreadsVariable, "many");
        Assert.That(Assert.Throws<UsageException>(() => EnvironmentSettings.CpuOptions())!.Message, Does.Contain("GPUDIGITS_CPU_THREADS='many'"));
        Environment.SetEnvironmentVariable(EnvironmentSettings.CpuThreadsVariable, null);
        Environment.SetEnvironmentVariable(EnvironmentSettings.CpuSplitVariable, "sometimes");
        Assert.That(Assert.Throws<UsageException>(() => EnvironmentSettings.CpuOptions())!.Message, Does.Contain("GPUDIGITS_CPU_SPLIT='sometimes'"));
    }

    [Test]
    public void TheCpuOptionsReachTheCpuDevice()
    {
        Environment.SetEnvironmentVariable(EnvironmentSettings.CpuThreadsVariable, "1");
        Environment.SetEnvironmentVariable(EnvironmentSettings.CpuSplitVariable, "always");
        Assert.That(EnvironmentSettings.CpuOptions(), Is.EqualTo(new GpuDigits.Engine.Cpu.CpuAcceleratorOptions { Threads = 1, AlwaysSplit = true }));
        var (code, output, err) = CliRunner.Run("devices");
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(output, Does.Contain("1 threads"), "the CPU device is described with the environment's thread count");
    }

    [Test]
    public void TheDataFolderComesFromDataElseTheEnvironment()
    {
        using var temp = new TempFolder();
        string bad = temp.Write("train-images-idx3-ubyte", [1, 2, 3]);
        Environment.SetEnvironmentVariable(EnvironmentSettings.DataVariable, temp.Path);
        Assert.That(EnvironmentSettings.DataDirectory, Is.EqualTo(Path.GetFullPath(temp.Path)));
        var (code, _, err) = CliRunner.Run("train", "--device", "cpu", "--epochs", "1", "--out", temp.File("run"));
        Assert.That(code, Is.EqualTo(1), err);
        Assert.That(err, Does.Contain(bad), "without --data, the folder named by GPUDIGITS_DATA is the one checked");
        (code, _, err) = CliRunner.Run("train", "--device", "cpu", "--epochs", "1", "--train-limit", "128", "--test-limit", "50",
            "--data", TestData.MnistDirectory(), "--out", temp.File("run2"));
        Assert.That(code, Is.EqualTo(0), "--data wins over the environment: " + err);
        Environment.SetEnvironmentVariable(EnvironmentSettings.DataVariable, "   ");
        Assert.That(EnvironmentSettings.DataDirectory, Is.Null);
    }
}

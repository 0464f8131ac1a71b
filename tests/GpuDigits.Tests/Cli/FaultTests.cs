using GpuDigits.Cli;
using GpuDigits.Data;
using GpuDigits.Model.Persistence;
using GpuDigits.Model.Training;
using GpuDigits.Tests.Data;
using GpuDigits.Tests.Ilgpu;
using GpuDigits.Tests.Engine;
using NUnit.Framework;

namespace GpuDigits.Tests.Cli;

/// <summary>
/// What goes wrong in long runs (a learning rate that diverges, a full disk, a damaged checkpoint, a device without
/// memory or driver) ends with one clear line, a non-zero exit, and the last good checkpoint and CSV intact.
/// </summary>
[NonParallelizable]
public class FaultTests
{
    private TempFolder _temp = null!;

    [SetUp]
    public void Setup() => _temp = new TempFolder();

    [TearDown]
    public void TearDown() => _temp.Dispose();

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = CliApp.RunAsync(args, output, error).GetAwaiter().GetResult();
        return (code, output.ToString(), error.ToString());
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static string[] Train(string dir, params string[] more) => TrainOn("cpu", dir, more);

    /// <summary>A quick run: 1000 images, a small network unless <paramref name="more"/> names --hidden.</summary>
    private static string[] TrainOn(string device, string dir, params string[] more) =>
        ["train", "--device", device, "--data", TestData.MnistDirectory(), "--train-limit", "1000", "--test-limit", "200",
         .. more.Contains("--hidden") ? Array.Empty<string>() : ["--hidden", "32"], "--out", dir, .. more];

    private static string[] Errors(string err) => Lines(err).Where(l => l.StartsWith("gpudigits")).ToArray();

    /// <summary>One "gpudigits: ..." line (beside data status lines), and no stack trace.</summary>
    private static void OneErrorLine(string err)
    {
        Assert.That(Errors(err), Has.Length.EqualTo(1), err);
        Assert.That(err, Does.Not.Contain("   at ").And.Not.Contain("Exception:"), "no stack trace without --verbose");
    }

    [Test]
    public void ADivergingLearningRateStopsWithTheEpochAndBatchAndLeavesNothingBehind()
    {
        string dir = _temp.File("diverge");
        var (code, _, err) = Run(Train(dir, "--hidden", "128,128", "--lr", "100", "--schedule", "constant", "--epochs", "2"));
        Assert.That(code, Is.EqualTo(ExitCodes.Failure), err);
        OneErrorLine(err);
        Assert.That(err, Does.Match(@"gpudigits: error: Training diverged in epoch 1, batch \d+ of 8: .*Try a lower learning rate than 100 \(--lr\)\."));
        Assert.That(Directory.Exists(dir), Is.False, "a run that fails in its first epoch leaves nothing behind");
    }

    [Test]
    public void DivergenceInALaterEpochKeepsTheLastGoodCheckpointAndCsv()
    {
        string dir = _temp.File("diverge-later");
        var (code, _, err) = Run(Train(dir, "--epochs", "3"));
        Assert.That(code, Is.Zero, err);
        // Rewind the run to epoch 1 with weights scaled to the edge of float range, as if the learning rate had
        // pushed them there: epoch 2 overflows into infinity and NaN.
        string checkpointPath = Path.Combine(dir, CheckpointFormat.FileName);
        var saved = CheckpointFormat.Load(checkpointPath);
        var s = saved.State;
        var scaled = s.Parameters.Select(p => p.Select(v => v * 1e30f).ToArray()).ToArray();
        var state = new TrainingState(s.Spec, s.Options, s.Normalization, s.TrainedOn, 1, s.RandomState, scaled,
            s.Optimizer, s.History.Take(1).ToArray());
        CheckpointFormat.Save(saved with { State = state }, checkpointPath);
        var before = File.ReadAllBytes(checkpointPath);

        (code, _, err) = Run("train", "--resume", dir);
        Assert.That(code, Is.EqualTo(ExitCodes.Failure), err);
        Assert.That(err, Does.Contain("Training diverged in epoch 2, batch 1 of 8").And.Contain("lower learning rate"));
        Assert.That(err, Does.Contain($"Epoch 1 is saved in {dir}.").And.Not.Contain("1-1"));
        Assert.That(err, Does.Not.Contain("   at "));
        Assert.That(File.ReadAllBytes(checkpointPath), Is.EqualTo(before), "the last good checkpoint is kept");
        Assert.That(MetricsCsvReader.Read(Path.Combine(dir, "metrics.csv")).Select(m => m.Epoch), Is.EqualTo(new[] { 1 }));
    }

    [Test]
    public void AFullDiskWhileCheckpointingKeepsThePreviousCheckpointAndCsv()
    {
        string dir = _temp.File("full");
        var (code, output, err) = CliProcess.Run(Train(dir, "--epochs", "1"));
        Assert.That(code, Is.Zero, output + err);
        string checkpointPath = Path.Combine(dir, CheckpointFormat.FileName), csvPath = Path.Combine(dir, "metrics.csv");
        var checkpoint = File.ReadAllBytes(checkpointPath);
        var csv = File.ReadAllBytes(csvPath);
        long model = new FileInfo(Path.Combine(dir, "model-best.gdm")).Length;
        Assert.That(checkpoint.Length, Is.GreaterThan(model + 16 * 1024), "the checkpoint holds the model and the optimizer state");

        // Every file the process writes may grow just past the model's size: enough for metrics.csv and
        // model-best.gdm, not for the checkpoint.
        (code, output, err) = CliProcess.Run(["train", "--resume", dir, "--epochs", "2"], fileSizeLimitKiB: model / 1024 + 8);
        Assert.That(code, Is.EqualTo(ExitCodes.Failure), output + err);
        var errors = Errors(err);
        Assert.That(errors, Has.Length.EqualTo(1), err);
        Assert.That(errors[0], Does.Contain("Cannot write the checkpoint of epoch 2").And.Contain("file too large")
            .And.Contain("the checkpoint of epoch 1 and metrics.csv are unchanged")
            .And.Contain($"'{checkpointPath}'").And.Not.Contain(".tmp"), "the target is named, not the hidden temporary file");
        Assert.That(err, Does.Not.Contain("   at "));
        Assert.That(File.ReadAllBytes(checkpointPath), Is.EqualTo(checkpoint));
        Assert.That(File.ReadAllBytes(csvPath), Is.EqualTo(csv));
        Assert.That(Directory.GetFiles(dir, "*.tmp", SearchOption.AllDirectories), Is.Empty, "the partial temporary file is removed");

        (code, output, err) = CliProcess.Run(["train", "--resume", dir, "--epochs", "2"]);
        Assert.That(code, Is.Zero, "with space again, the run goes on: " + output + err);
        Assert.That(MetricsCsvReader.Read(csvPath).Select(m => m.Epoch), Is.EqualTo(new[] { 1, 2 }));
    }

    [Test]
    public void AnUnwritableMetricsFileKeepsTheCheckpointAndResumeRewritesTheCsv()
    {
        string dir = _temp.File("csv");
        Directory.CreateDirectory(dir);
        string metrics = Path.Combine(dir, "metrics.csv");
        Directory.CreateDirectory(metrics); // a folder where the CSV should go: no rename can replace it, not even as root
        var (code, _, err) = Run(Train(dir, "--epochs", "2"));
        Assert.That(code, Is.EqualTo(ExitCodes.Failure), err);
        OneErrorLine(err);
        Assert.That(Errors(err)[0], Does.StartWith("gpudigits: error: Cannot write the metrics CSV").And.Contain("the checkpoint of epoch 1 is saved"));
        Assert.That(CheckpointFormat.Load(Path.Combine(dir, CheckpointFormat.FileName)).State.EpochsDone, Is.EqualTo(1));

        Directory.Delete(metrics);
        (code, _, err) = Run("train", "--resume", dir);
        Assert.That(code, Is.Zero, err);
        Assert.That(MetricsCsvReader.Read(metrics).Select(m => m.Epoch), Is.EqualTo(new[] { 1, 2 }), "resume rewrote epoch 1's row from the checkpoint");
    }

    [Test]
    public void ADamagedCheckpointIsOneClearLine()
    {
        string dir = _temp.File("damaged");
        var (code, _, err) = Run(Train(dir, "--epochs", "1"));
        Assert.That(code, Is.Zero, err);
        string path = Path.Combine(dir, CheckpointFormat.FileName);
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x10;
        File.WriteAllBytes(path, bytes);

        (code, _, err) = Run("train", "--resume", dir);
        Assert.That(code, Is.EqualTo(ExitCodes.Failure), err);
        OneErrorLine(err);
        Assert.That(err, Does.Contain(path).And.Contain("checksum"));

        File.WriteAllBytes(path, bytes[..100]);
        (code, _, err) = Run("train", "--resume", dir);
        Assert.That(code, Is.EqualTo(ExitCodes.Failure), err);
        OneErrorLine(err);
        Assert.That(err, Does.Contain("truncated"));
    }

    [Test]
    public void ResumeOfAFolderWithoutACheckpointIsAUsageError()
    {
        var (code, _, err) = Run("train", "--resume", _temp.Path);
        Assert.That(code, Is.EqualTo(ExitCodes.Usage), err);
        Assert.That(err, Does.Contain("holds no checkpoint.gdm"));
        (code, _, err) = Run("train", "--resume", _temp.File("missing"));
        Assert.That(code, Is.EqualTo(ExitCodes.Usage), err);
        Assert.That(err, Does.Contain("does not exist"));
    }

    [Test]
    public void ANewRunDoesNotOverwriteAnExistingRun()
    {
        string dir = _temp.File("taken");
        var (code, _, err) = Run(Train(dir, "--epochs", "1"));
        Assert.That(code, Is.Zero, err);
        var before = File.ReadAllBytes(Path.Combine(dir, CheckpointFormat.FileName));
        (code, _, err) = Run(Train(dir, "--epochs", "1"));
        Assert.That(code, Is.EqualTo(ExitCodes.Usage), err);
        Assert.That(err, Does.Contain("already holds a training run").And.Contain("--resume"));
        Assert.That(File.ReadAllBytes(Path.Combine(dir, CheckpointFormat.FileName)), Is.EqualTo(before));
    }

    [Test]
    public void ALayerTooLargeForOneBufferIsAUsageError()
    {
        var (code, _, err) = Run(Train(_temp.File("huge"), "--hidden", "65536,65536"));
        Assert.That(code, Is.EqualTo(ExitCodes.Usage), err);
        OneErrorLine(err);
        Assert.That(err, Does.Contain("65,536 x 65,536 layer"));
    }

    [Test]
    public void OutOfMemoryOnTheCpuIsOneLineAndAStackTraceOnlyWithVerbose()
    {
        // A 512 MiB managed heap: MNIST fits, a 20000 x 20000 weight matrix (1.6 GB) does not.
        var env = new Dictionary<string, string> { ["DOTNET_GCHeapHardLimit"] = "0x20000000" };
        string dir = _temp.File("oom");
        var (code, output, err) = CliProcess.Run(Train(dir, "--hidden", "20000,20000"), environment: env);
        Assert.That(code, Is.EqualTo(ExitCodes.Failure), output + err);
        OneErrorLine(err);
        Assert.That(Errors(err)[0], Does.StartWith("gpudigits: error: Out of memory on cpu").And.Contain("another --device").And.Contain("bytes of host memory"));
        Assert.That(Directory.Exists(dir), Is.False);

        (code, _, err) = CliProcess.Run([.. Train(dir, "--hidden", "20000,20000"), "--verbose"], environment: env);
        Assert.That(code, Is.EqualTo(ExitCodes.Failure), err);
        Assert.That(err, Does.Contain("DeviceOutOfMemoryException").And.Contain("   at "), "--verbose adds the stack trace");
    }

    [TestCaseSource(typeof(TestAccelerators), nameof(TestAccelerators.OpenCl))]
    public void OutOfMemoryOnOpenClIsOneLine(string opencl)
    {
        using (IlgpuTestDevice.OpenOrIgnore(opencl)) { }
        // A 2 GiB managed heap in a child process, so the estimate refuses the 30000 x 30000 layers whatever the
        // machine's memory: PoCL's buffers live in host memory, and a run that started would be ended by the OOM killer.
        var env = new Dictionary<string, string> { ["DOTNET_GCHeapHardLimit"] = "0x80000000" };
        var (code, _, err) = CliProcess.Run(TrainOn("opencl", _temp.File("oom-ocl"), "--hidden", "30000,30000"), environment: env);
        Assert.That(code, Is.EqualTo(ExitCodes.Failure), err);
        OneErrorLine(err);
        // Refused from the estimate before anything is allocated (by the device's own memory or, PoCL's being the
        // host's, by what this process may use).
        Assert.That(Errors(err)[0], Does.StartWith("gpudigits: error: Out of memory on opencl:").And.Contain("needs about")
            .And.Contain("bytes on the device").Or.Contain("bytes of host memory"));
    }

    [Test]
    public void NoOpenClPlatformIsOneLine()
    {
        var empty = _temp.File("no-vendors");
        Directory.CreateDirectory(empty);
        string dir = _temp.File("no-platform");
        var (code, output, err) = CliProcess.Run(TrainOn("opencl", dir),
            environment: new Dictionary<string, string> { ["OCL_ICD_VENDORS"] = empty });
        Assert.That(code, Is.EqualTo(ExitCodes.Failure), output + err);
        OneErrorLine(err);
        Assert.That(Errors(err)[0], Does.StartWith("gpudigits: error: No OpenCL device found for 'opencl'"));
        Assert.That(err, Does.Contain("OpenCL loader").Or.Contain("no OpenCL loader"), "the reason names the loader");
        Assert.That(err, Does.Not.Contain("   at "));
        Assert.That(Directory.Exists(dir), Is.False);
    }
}

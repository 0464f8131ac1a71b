using GpuDigits.Files;
using GpuDigits.Model.Runs;
using System.Diagnostics;
using System.Runtime.InteropServices;
using GpuDigits.Cli;
using GpuDigits.Cli.Commands;
using GpuDigits.Data;
using GpuDigits.Model.Persistence;
using GpuDigits.Tests.Data;
using GpuDigits.Tests.Images;
using GpuDigits.Tests.Viz;
using NUnit.Framework;

namespace GpuDigits.Tests.Cli;

/// <summary>
/// The holes found by trying to break a training run as a hostile user would (issue "Reliability and security"): each
/// test reproduces one and checks the fix. Runs in process on the managed CPU backend with a few hundred images.
/// </summary>
[NonParallelizable]
public sealed class HostileRunTests
{
    private TempFolder _temp = null!;

    [SetUp]
    public void Setup() => _temp = new TempFolder();

    [TearDown]
    public void TearDown() => _temp.Dispose();

    private static (int Code, string Out, string Err) Run(params string[] args) => Viz.CliRunner.Run(args);

    private static string[] Train(string dir, params string[] more) =>
        ["train", "--device", "cpu", "--data", TestData.MnistDirectory(), "--train-limit", "256", "--test-limit", "128",
         .. more.Contains("--hidden") ? Array.Empty<string>() : ["--hidden", "16"], "--out", dir, .. more];

    private static string[] Errors(string err) => Viz.CliRunner.ErrorLines(err);

    [DllImport("libc", SetLastError = true)]
    private static extern int mkfifo([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode);

    private string Fifo(string name)
    {
        var path = _temp.File(name);
        if (!OperatingSystem.IsLinux() || mkfifo(path, 0x1B6) != 0) Assert.Ignore("needs mkfifo (Linux)");
        return path;
    }

    /// <summary>Runs a command with a deadline: a hang is a failure, not a stuck test run.</summary>
    private static (int Code, string Out, string Err) Within(TimeSpan limit, params string[] args)
    {
        var task = Task.Run(() => Run(args));
        Assert.That(task.Wait(limit), Is.True, $"'{string.Join(' ', args)}' did not finish within {limit.TotalSeconds} s");
        return task.Result;
    }

    // 1. A run extended with --resume --epochs and killed just after its last checkpoint: the "already complete" path
    // must leave model.gdm of the last epoch, not of the earlier total.
    [Test]
    public void AnAlreadyCompleteRunRewritesAStaleModel()
    {
        var dir = _temp.File("extended");
        Assert.That(Run(Train(dir, "--epochs", "2")).Code, Is.EqualTo(ExitCodes.Success));
        var model = Path.Combine(dir, RunModels.FinalName);
        var epoch2 = File.ReadAllBytes(model);
        Assert.That(Run("train", "--resume", dir, "--epochs", "3").Code, Is.EqualTo(ExitCodes.Success));
        File.WriteAllBytes(model, epoch2); // what a SIGKILL between checkpoint 3 and model.gdm leaves
        var (code, output, err) = Run("train", "--resume", dir);
        Assert.That(code, Is.EqualTo(ExitCodes.Success), output + err);
        Assert.That(ModelFormat.Load(model).Metadata["epoch"], Is.EqualTo("3"));
        Assert.That(GpuDigits.Model.Persistence.MetricsCsvReader.Read(Path.Combine(dir, "metrics.csv")), Has.Count.EqualTo(3));
    }

    // 2. The metrics path a checkpoint names is untrusted: outside the run folder it is written only when the user
    // names it again with --metrics.
    [Test]
    public void ACheckpointCannotChooseWhereTheRunWrites()
    {
        var dir = _temp.File("shared");
        var outside = _temp.File("victim.txt");
        Assert.That(Run(Train(dir, "--epochs", "1", "--metrics", outside)).Code, Is.EqualTo(ExitCodes.Success));
        File.WriteAllText(outside, "not yours");
        var (code, _, err) = Run("train", "--resume", dir, "--epochs", "2");
        Assert.That(code, Is.EqualTo(ExitCodes.Failure), err);
        Assert.That(Errors(err), Has.Length.EqualTo(1), err);
        Assert.That(err, Does.Contain("outside the run folder").And.Contain("--metrics"));
        Assert.That(File.ReadAllText(outside), Is.EqualTo("not yours"));
        Assert.That(File.Exists(Path.Combine(dir, RunFolder.LockName)), Is.False, "the lock is released");

        (code, _, err) = Run("train", "--resume", dir, "--epochs", "2", "--metrics", outside);
        Assert.That(code, Is.EqualTo(ExitCodes.Success), err);
        Assert.That(File.ReadAllText(outside), Does.StartWith("epoch,"));
    }

    // 3. A device node or FIFO as --metrics is refused, never replaced by a regular file.
    [TestCase("/dev/null")]
    [TestCase("/dev/full")]
    public void ADeviceNodeIsNeverReplaced(string device)
    {
        if (FileKind.Of(device) != FileKindValue.Special) Assert.Ignore($"{device} is not a device node here");
        var dir = _temp.File("device");
        var (code, _, err) = Run(Train(dir, "--metrics", device));
        Assert.That(code, Is.EqualTo(ExitCodes.Usage), err);
        Assert.That(err, Does.Contain("not a regular file"));
        Assert.That(FileKind.Of(device), Is.EqualTo(FileKindValue.Special), $"{device} is still a device node");
        Assert.That(Directory.Exists(dir), Is.False);
    }

    [Test]
    public void AtomicWritesRefuseAFifo()
    {
        var fifo = Fifo("pipe");
        Assert.Throws<IOException>(() => AtomicFile.WriteAllBytes(fifo, [1, 2, 3]));
        Assert.That(FileKind.Of(fifo), Is.EqualTo(FileKindValue.Special));
    }

    // 4. --metrics may not name one of the run's own files.
    [TestCase("checkpoint.gdm")]
    [TestCase("model.gdm")]
    [TestCase("model-best.gdm")]
    public void MetricsCannotOverwriteTheRunsOwnFiles(string name)
    {
        var dir = _temp.File("own");
        var (code, _, err) = Run(Train(dir, "--metrics", Path.Combine(dir, name)));
        Assert.That(code, Is.EqualTo(ExitCodes.Usage), err);
        Assert.That(err, Does.Contain("one of the run's own files"));
    }

    // 5. A run folder is held by one process at a time: the second gets one clear line and touches nothing.
    [Test]
    public void ASecondTrainingInTheSameFolderIsRefused()
    {
        var dir = _temp.File("busy");
        Directory.CreateDirectory(dir);
        using (new FileStream(Path.Combine(dir, RunFolder.LockName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            var (code, _, err) = Run(Train(dir, "--epochs", "1"));
            Assert.That(code, Is.EqualTo(ExitCodes.Failure), err);
            Assert.That(Errors(err), Has.Length.EqualTo(1), err);
            Assert.That(err, Does.Contain("in use by another gpudigits process"));
            Assert.That(Directory.EnumerateFileSystemEntries(dir).Select(Path.GetFileName), Is.EqualTo(new[] { RunFolder.LockName }));
        }
        Assert.That(Run(Train(dir, "--epochs", "1")).Code, Is.EqualTo(ExitCodes.Success), "free again once the holder is gone");
        Assert.That(File.Exists(Path.Combine(dir, RunFolder.LockName)), Is.False, "a finished run removes its lock file");
    }

    // 6. Special and huge files: refused by type and header, without hanging or reading them whole.
    [Test]
    public void AFifoAsModelOrImageOrDataIsRefusedAtOnce()
    {
        var fifo = Fifo("fifo");
        var (code, _, err) = Within(TimeSpan.FromSeconds(20), "predict", "--model", fifo, "--index", "0");
        Assert.That(code, Is.EqualTo(ExitCodes.Failure), err);
        Assert.That(err, Does.Contain("not a regular file"));

        var model = _temp.File("m.gdm");
        Assert.That(Run(Train(_temp.File("for-model"), "--epochs", "1")).Code, Is.EqualTo(ExitCodes.Success));
        File.Copy(Path.Combine(_temp.File("for-model"), RunModels.FinalName), model);
        (code, _, err) = Within(TimeSpan.FromSeconds(20), "predict", "--model", model, "--image", fifo);
        Assert.That(code, Is.EqualTo(ExitCodes.Failure), err);
        Assert.That(err, Does.Contain("not a regular file"));

        var data = _temp.File("data");
        Directory.CreateDirectory(data);
        if (mkfifo(Path.Combine(data, "train-images-idx3-ubyte"), 0x1B6) != 0) Assert.Ignore("mkfifo failed");
        (code, _, err) = Within(TimeSpan.FromSeconds(20), "train", "--device", "cpu", "--data", data, "--out", _temp.File("r"));
        Assert.That(code, Is.EqualTo(ExitCodes.Failure), err);
        Assert.That(err, Does.Contain("not a regular file"));
    }

    [Test]
    public void AHugeFileThatIsNoModelIsRefusedFromItsHeader()
    {
        var huge = _temp.File("zeros.gdm");
        using (var f = new FileStream(huge, FileMode.CreateNew)) f.SetLength(1_500_000_000); // sparse
        long before = GC.GetTotalAllocatedBytes(precise: true);
        var watch = Stopwatch.StartNew();
        var (code, _, err) = Within(TimeSpan.FromSeconds(20), "predict", "--model", huge, "--index", "0");
        Assert.That(code, Is.EqualTo(ExitCodes.Failure), err);
        Assert.That(err, Does.Contain("not a GpuDigits model file"));
        Assert.That(GC.GetTotalAllocatedBytes(precise: true) - before, Is.LessThan(200_000_000), "not read whole");
        TestContext.Out.WriteLine($"refused in {watch.ElapsedMilliseconds} ms");
    }

    // 7. A configuration that cannot fit is refused from an estimate, at once, with the figures.
    [Test]
    public void ANetworkTooLargeForTheHostIsRefusedBeforeAllocating()
    {
        var watch = Stopwatch.StartNew();
        var (code, _, err) = Run(Train(_temp.File("huge"), "--hidden", "46340,46340"));
        Assert.That(code, Is.EqualTo(ExitCodes.Failure), err);
        Assert.That(Errors(err), Has.Length.EqualTo(1), err);
        Assert.That(err, Does.Contain("Out of memory on cpu").And.Contain("needs about").And.Contain("bytes of host memory"));
        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(30)), "refused before any allocation");
    }

    // 8. A run that fails before its first epoch is saved removes every file it wrote (model-best.gdm too).
    [Test]
    public void AFailureBeforeTheFirstEpochLeavesNoModelBehind()
    {
        var dir = _temp.File("blocked");
        Directory.CreateDirectory(Path.Combine(dir, "checkpoint.gdm")); // a folder where the checkpoint goes: its save fails
        var (code, _, err) = Run(Train(dir, "--epochs", "1"));
        Assert.That(code, Is.EqualTo(ExitCodes.Failure), err);
        Assert.That(err, Does.Contain("nothing was saved"));
        Assert.That(Directory.EnumerateFileSystemEntries(dir).Select(Path.GetFileName), Is.EqualTo(new[] { "checkpoint.gdm" }),
            "model-best.gdm, metrics.csv and the lock are gone");
    }

    // 10. Empty paths are usage errors (exit 2, one line).
    [TestCase("train", "--out", "")]
    [TestCase("train", "--metrics", "")]
    [TestCase("train", "--resume", "")]
    [TestCase("train", "--data", "")]
    [TestCase("evaluate", "--model", "")]
    [TestCase("evaluate", "--model", "m.gdm", "--sheet", "")]
    [TestCase("predict", "--model", "m.gdm", "--image", "")]
    [TestCase("plot", "metrics.csv", "-o", "")]
    [TestCase("bench", "--csv", "", "--ops-only")]
    public void AnEmptyPathIsAUsageError(params string[] args)
    {
        var (code, _, err) = Run(args);
        Assert.That(code, Is.EqualTo(ExitCodes.Usage), err);
        Assert.That(Errors(err), Has.Length.EqualTo(1), err);
        Assert.That(err, Does.Contain("empty"));
    }

    // 12. A folder as --image is called a folder, not "Permission denied".
    [Test]
    public void AFolderAsImageIsCalledAFolder()
    {
        var dir = _temp.File("run-for-image");
        Assert.That(Run(Train(dir, "--epochs", "1")).Code, Is.EqualTo(ExitCodes.Success));
        var (code, _, err) = Run("predict", "--model", Path.Combine(dir, RunModels.FinalName), "--image", _temp.Path);
        Assert.That(code, Is.EqualTo(ExitCodes.Failure), err);
        Assert.That(err, Does.Contain("is a folder").And.Not.Contain("Permission denied"));
    }

    [Test]
    public void ARunFolderAsModelPointsAtItsModelFile()
    {
        var dir = _temp.File("run-as-model");
        Assert.That(Run(Train(dir, "--epochs", "1")).Code, Is.EqualTo(ExitCodes.Success));
        var (code, _, err) = Run("predict", "--model", dir, "--index", "0");
        Assert.That(code, Is.EqualTo(ExitCodes.Usage), err);
        Assert.That(err, Does.Contain("is a run folder").And.Contain(Path.Combine(dir, "model.gdm")));
    }

    // 12. --resume given a file says so.
    [Test]
    public void ResumeOfAFileSaysItIsAFile()
    {
        var file = _temp.File("not-a-folder");
        File.WriteAllText(file, "x");
        var (code, _, err) = Run("train", "--resume", file);
        Assert.That(code, Is.EqualTo(ExitCodes.Usage), err);
        Assert.That(err, Does.Contain("is a file"));
    }
}

/// <summary>Item 9: a small PNG that claims a huge image is refused from its header, before inflating anything.</summary>
public sealed class DecompressionBombTests
{
    [Test]
    public void A8192SquareRgba16PngIsRefusedFromItsHeader()
    {
        var ihdr = new byte[13];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(ihdr, 8192);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(ihdr.AsSpan(4), 8192);
        ihdr[8] = 16; // bit depth
        ihdr[9] = 6;  // RGBA
        // One row of zeros inflates to almost nothing here; a real bomb's IDAT is all zeros too, only longer.
        var idat = Images.TestPng.Zlib(new byte[1 + 8192 * 8]);
        var png = new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }
            .Concat(Images.TestPng.Chunk("IHDR", ihdr)).Concat(Images.TestPng.Chunk("IDAT", idat)).Concat(Images.TestPng.Chunk("IEND", [])).ToArray();
        long before = GC.GetTotalAllocatedBytes(precise: true);
        var ex = Assert.Throws<DataFormatException>(() => GpuDigits.Data.Images.ImageFile.Decode(png, "bomb.png"))!;
        Assert.That(ex.Message, Does.Contain("too large to decode").And.Contain("8192 x 8192"));
        Assert.That(GC.GetTotalAllocatedBytes(precise: true) - before, Is.LessThan(16_000_000), "refused before the image buffer is allocated");
    }
}

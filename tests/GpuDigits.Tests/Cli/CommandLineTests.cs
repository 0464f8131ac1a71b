using GpuDigits.Cli;
using NUnit.Framework;

namespace GpuDigits.Tests.Cli;

/// <summary>Bad command lines end with a non-zero exit and one clear line on standard error.</summary>
public class CommandLineTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = CliApp.RunAsync(args, output, error).GetAwaiter().GetResult();
        return (code, output.ToString(), error.ToString());
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    [TestCase("train", "--bogus")]
    [TestCase("train", "--batch", "zero")]
    [TestCase("train", "--batch", "0")]
    [TestCase("train", "--epochs", "-3")]
    [TestCase("train", "--activation", "softsign")]
    [TestCase("train", "--optimizer", "lbfgs")]
    [TestCase("train", "--lr", "-1")]
    [TestCase("train", "--momentum", "1.5")]
    [TestCase("train", "--hidden", "128,abc")]
    [TestCase("train", "--train-limit", "0")]
    [TestCase("frobnicate")]
    public void UsageErrorsExitTwoWithOneLine(params string[] args)
    {
        var (code, _, err) = Run(args);
        Assert.That(code, Is.EqualTo(ExitCodes.Usage), err);
        Assert.That(Lines(err), Has.Length.EqualTo(1), err);
        Assert.That(err, Does.StartWith("gpudigits"));
    }

    [Test]
    public void NoArgumentsPrintsTheHelp()
    {
        var (code, output, err) = Run();
        Assert.That(code, Is.EqualTo(ExitCodes.Success), err);
        Assert.That(output, Does.Contain("train").And.Contain("evaluate").And.Contain("Usage"));
    }

    [TestCase(new[] { "trian" }, "Unknown command 'trian'. Did you mean 'train'?")]
    [TestCase(new[] { "evaluat", "--model", "x" }, "Did you mean 'evaluate'?")]
    [TestCase(new[] { "train", "--epoch", "3" }, "Unknown option '--epoch'. Did you mean '--epochs'?")]
    [TestCase(new[] { "train", "--epochs", "three" }, "--epochs expects a whole number, got 'three'.")]
    [TestCase(new[] { "train", "--lr", "fast" }, "--lr expects a number, got 'fast'.")]
    public void ParseErrorsSayWhatIsWrongAndSuggestTheNearestName(string[] args, string expected)
    {
        var (code, _, err) = Run(args);
        Assert.That(code, Is.EqualTo(ExitCodes.Usage), err);
        Assert.That(Lines(err), Has.Length.EqualTo(1), err);
        Assert.That(err, Does.Contain(expected).And.Not.Contain("System."));
    }

    [Test]
    public void EveryParseErrorIsReportedNotOnlyTheFirst()
    {
        var (code, _, err) = Run("train", "--epochs", "three", "--batch", "big");
        Assert.That(code, Is.EqualTo(ExitCodes.Usage), err);
        Assert.That(err, Does.Contain("--epochs expects a whole number").And.Contain("--batch expects a whole number"));
    }

    [Test]
    public void UnknownDeviceIsOneClearLine()
    {
        var parent = Path.Combine(Path.GetTempPath(), $"gd-runs-{Guid.NewGuid():N}");
        var dir = Path.Combine(parent, "run");
        var (code, _, err) = Run("train", "--device", "tpu:3", "--out", dir);
        Assert.That(code, Is.EqualTo(ExitCodes.Usage), err);
        Assert.That(Lines(err), Has.Length.EqualTo(1), err);
        Assert.That(err, Does.Contain("Unknown device 'tpu:3'"));
        Assert.That(Directory.Exists(parent), Is.False, "a failed run leaves no folder behind, not even the parent it made");
    }

    [Test]
    public void UnwritableOutputFolderIsOneClearLine()
    {
        var file = Path.GetTempFileName(); // a file where a folder is expected: never writable as a folder
        try
        {
            var (code, _, err) = Run("train", "--out", Path.Combine(file, "run"));
            Assert.That(code, Is.EqualTo(ExitCodes.Failure), err);
            Assert.That(Lines(err), Has.Length.EqualTo(1), err);
            Assert.That(err, Does.Contain("Cannot write the run folder"));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Test]
    public void CorruptDataFileIsOneClearLineAndNoRunFolder()
    {
        var data = Path.Combine(Path.GetTempPath(), $"gd-data-{Guid.NewGuid():N}");
        var run = Path.Combine(Path.GetTempPath(), $"gd-run-{Guid.NewGuid():N}");
        Directory.CreateDirectory(data);
        try
        {
            File.WriteAllBytes(Path.Combine(data, "train-images-idx3-ubyte"), new byte[] { 0, 0, 8, 3, 1, 2, 3 });
            var (code, _, err) = Run("train", "--data", data, "--out", run, "--device", "cpu");
            Assert.That(code, Is.EqualTo(ExitCodes.Failure), err);
            Assert.That(Lines(err).Where(l => l.StartsWith("gpudigits")).ToArray(), Has.Length.EqualTo(1), err);
            Assert.That(err, Does.Contain("train-images-idx3-ubyte"));
            Assert.That(Directory.Exists(run), Is.False, "a failed run leaves no folder behind");
            Assert.That(File.ReadAllBytes(Path.Combine(data, "train-images-idx3-ubyte")), Has.Length.EqualTo(7), "the user's file is left alone");
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Test]
    public void DevicesListsTheCpu()
    {
        var (code, output, err) = Run("devices");
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(output, Does.Contain("cpu"));
    }
}

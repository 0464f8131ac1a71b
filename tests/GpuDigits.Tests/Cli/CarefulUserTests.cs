using GpuDigits.Cli;
using GpuDigits.Cli.Commands;
using GpuDigits.Cli.Presentation;
using GpuDigits.Data;
using GpuDigits.Engine;
using GpuDigits.Engine.Verification;
using GpuDigits.Files;
using GpuDigits.Model;
using GpuDigits.Model.Persistence;
using GpuDigits.Model.Training;
using GpuDigits.Tests.Data;
using GpuDigits.Tests.Viz;
using NUnit.Framework;
using Spectre.Console;

namespace GpuDigits.Tests.Cli;

/// <summary>
/// What a careful user still tripped on (issue "export over its own model, stale help, plot legend, message styles"):
/// no output over its own input, write errors that name the target, help that matches the code, one message style,
/// CSV errors with line and column, counts and numbers in words. The command-line cases run the built program as a
/// child process.
/// </summary>
[NonParallelizable]
public sealed class CarefulUserTests
{
    private TempFolder _temp = null!;

    [SetUp]
    public void Setup() => _temp = new TempFolder();

    [TearDown]
    public void TearDown() => _temp.Dispose();

    private static string[] Errors(string err) => CliRunner.ErrorLines(err);

    private string CopyOfModel(string name)
    {
        string path = _temp.File(name);
        File.Copy(TrainedModel.Path, path);
        return path;
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int link([System.Runtime.InteropServices.MarshalAs(System.Runtime.InteropServices.UnmanagedType.LPUTF8Str)] string from,
        [System.Runtime.InteropServices.MarshalAs(System.Runtime.InteropServices.UnmanagedType.LPUTF8Str)] string to);

    private string HardLink(string target, string name)
    {
        string path = _temp.File(name);
        if (!OperatingSystem.IsLinux() || link(target, path) != 0) Assert.Ignore("needs link(2) (Linux)");
        return path;
    }

    private static void RefusedAndUnchanged((int Code, string Out, string Err) run, string input, byte[] before, string outputOption)
    {
        Assert.That(run.Code, Is.EqualTo(ExitCodes.Usage), run.Out + run.Err);
        var errors = Errors(run.Err);
        Assert.That(errors, Has.Length.EqualTo(1), run.Err);
        Assert.That(errors[0], Does.StartWith($"gpudigits: error: {outputOption} '").And.Contain("is the same file as").And.Contain("Write to another file"));
        Assert.That(File.ReadAllBytes(input), Is.EqualTo(before), "the input is untouched");
    }

    // 1. No command writes over its own input, whatever the names say.

    [Test]
    public void ExportRefusesToWriteOverItsOwnModelByTheSameName()
    {
        string model = CopyOfModel("self.onnx"); // a model file that happens to be named .onnx
        var before = File.ReadAllBytes(model);
        RefusedAndUnchanged(CliProcess.Run(["export", "--model", model, "-o", model]), model, before, "-o");
        RefusedAndUnchanged(CliProcess.Run(["export", "--model", model, "-o", Path.Combine(_temp.Path, ".", "self.onnx")]), model, before, "-o");
    }

    [Test]
    public void ExportRefusesAHardLinkOrASymbolicLinkToItsModel()
    {
        string model = CopyOfModel("m.gdm");
        var before = File.ReadAllBytes(model);
        RefusedAndUnchanged(CliProcess.Run(["export", "--model", model, "-o", HardLink(model, "hard.onnx")]), model, before, "-o");
        string soft = _temp.File("soft.onnx");
        File.CreateSymbolicLink(soft, model);
        RefusedAndUnchanged(CliProcess.Run(["export", "--model", model, "-o", soft]), model, before, "-o");

        var (code, _, err) = CliProcess.Run(["export", "--model", model, "-o", _temp.File("other.onnx")]);
        Assert.That(code, Is.Zero, err);
    }

    [Test]
    public void PlotAndEvaluateRefuseToWriteOverTheirInputs()
    {
        string csv = _temp.File("run.svg"); // a metrics CSV named like the plot
        MetricsCsv.Write(csv, [new EpochMetrics(1, 0.3, 0.9, 0.2, 0.94, 0.05, 1, 1000, "cpu")]);
        var before = File.ReadAllBytes(csv);
        RefusedAndUnchanged(CliProcess.Run(["plot", csv, "-o", csv]), csv, before, "-o");

        string model = CopyOfModel("m.gdm");
        var modelBytes = File.ReadAllBytes(model);
        RefusedAndUnchanged(CliProcess.Run(["evaluate", "--model", model, "--device", "cpu", "--data", TestData.MnistDirectory(),
            "--sheet", HardLink(model, "sheet.svg")]), model, modelBytes, "--sheet");
    }

    [Test]
    public void TrainRefusesAMetricsFileThatIsADataFile()
    {
        // A data folder of links to the real files: were the guard missing, a write would replace a link, not the data.
        string data = _temp.File("data");
        Directory.CreateDirectory(data);
        foreach (var file in Directory.GetFiles(TestData.MnistDirectory()))
            File.CreateSymbolicLink(Path.Combine(data, Path.GetFileName(file)), file);
        string labels = Path.Combine(data, MnistFiles.TestLabels.Name);
        if (!File.Exists(labels)) labels += ".gz";
        var before = File.ReadAllBytes(labels);
        var (code, output, err) = CliProcess.Run(["train", "--device", "cpu", "--data", data, "--train-limit", "256", "--test-limit", "128",
            "--epochs", "1", "--out", _temp.File("run"), "--metrics", labels]);
        Assert.That(code, Is.EqualTo(ExitCodes.Usage), output + err);
        Assert.That(Errors(err).Single(), Does.StartWith("gpudigits: error: --metrics '").And.Contain("is the same file as --data"));
        Assert.That(File.ReadAllBytes(labels), Is.EqualTo(before));
        Assert.That(File.GetAttributes(labels).HasFlag(FileAttributes.ReparsePoint), Is.True, "the link is still a link");
    }

    // 2. Write errors name the file the user asked for, never the hidden temporary file.

    [TestCase("/proc/x.onnx")]
    [TestCase("/sys/x.onnx")]
    public void AWriteErrorNamesTheTargetNotTheTemporaryFile(string target)
    {
        if (!Directory.Exists(Path.GetDirectoryName(target))) Assert.Ignore($"no {Path.GetDirectoryName(target)} here");
        var (code, output, err) = CliProcess.Run(["export", "--model", TrainedModel.Path, "-o", target]);
        Assert.That(code, Is.EqualTo(ExitCodes.Failure), output + err);
        var line = Errors(err).Single();
        Assert.That(line, Does.StartWith($"gpudigits: error: Cannot write '{target}': "));
        Assert.That(line, Does.Not.Contain(".tmp").And.Not.Contain(AtomicFile.TempSuffix + "'"));
    }

    [Test]
    public void TheSystemsReasonIsKeptAndItsPathDropped()
    {
        var e = FileWriteException.From("/d/m.gdm", new IOException("No space left on device : '/d/.m.gdm.0123abcd.tmp'"));
        Assert.That(e.Message, Is.EqualTo("Cannot write '/d/m.gdm': no space left on device"));
        Assert.That(e.Reason, Is.EqualTo("no space left on device"));
        var denied = FileWriteException.From("/d/m.gdm", new UnauthorizedAccessException("Access to the path '/d/.m.gdm.0123abcd.tmp' is denied."));
        Assert.That(denied.Message, Is.EqualTo("Cannot write '/d/m.gdm': permission denied"));
    }

    // 3. Help that says what the code does.

    [Test]
    public void PredictHelpNamesEveryPictureFormat()
    {
        var (_, help, _) = CliRunner.Run("predict", "--help");
        var image = help.Split('\n').Single(l => l.TrimStart().StartsWith("--image"));
        Assert.That(image, Does.Contain("PNG").And.Contain("JPEG").And.Contain("BMP").And.Contain("GIF").And.Contain("WebP").And.Contain("PGM"));
        Assert.That(image, Does.Not.Contain("not interlaced"));
    }

    [Test]
    public void TrainHelpStatesOneDefaultPerOptionAndTheCnnsOptimizer()
    {
        var (_, help, _) = CliRunner.Run("train", "--help");
        string Line(string option) => help.Split('\n').Single(l => l.TrimStart().StartsWith(option + " "));
        Assert.That(Line("--hidden"), Does.Contain("128,128 for mlp, 128 for cnn").And.Not.Contain("[default:"));
        Assert.That(Line("--optimizer"), Does.Contain("adam for cnn").And.Not.Contain("[default:"));
        foreach (var line in help.Split('\n').Where(l => l.TrimStart().StartsWith('-')))
            Assert.That(System.Text.RegularExpressions.Regex.Matches(line, "default", System.Text.RegularExpressions.RegexOptions.IgnoreCase).Count,
                Is.LessThanOrEqualTo(1), line);
    }

    // 5. The verify table at 80 columns, and long notices wrapped at spaces.

    [Test]
    public void TheVerifyTableKeepsOpNamesWholeAt80Columns()
    {
        using var cpu = AcceleratorCatalog.Default().Open("cpu");
        var rows = AcceleratorVerifier.Run(cpu, NetworkSpec.Default.TrainingShapes(128, 1000), seed: 3);
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 80;
        console.Write(VerifyCommand.ResultsTable(rows));
        var lines = writer.ToString().Split('\n');
        Assert.That(lines.Max(l => l.TrimEnd().Length), Is.LessThanOrEqualTo(80));
        foreach (var op in rows.Select(r => r.Op).Distinct())
            Assert.That(lines.Any(l => l.Contains(" " + op + " ")), Is.True, $"'{op}' whole on one line");
        Assert.That(writer.ToString(), Does.Not.Contain("…"), "no header or cell is cut");
    }

    [Test]
    public void LongNoticesWrapAtSpaces()
    {
        string text = "gpudigits: error: SIGINT received: stopped during epoch 3; epochs 1-2 are saved in /home/someone/runs/2026-12-05-101010 (checkpoint.gdm, metrics.csv).";
        var lines = TextWrap.Lines(text, 80);
        Assert.That(lines, Has.Count.GreaterThan(1));
        Assert.That(lines, Has.All.Length.LessThanOrEqualTo(80));
        Assert.That(string.Join(" ", lines.Select(l => l.Trim())), Is.EqualTo(text), "only spaces were broken");
        Assert.That(TextWrap.Lines(text, 0), Is.EqualTo(new[] { text }), "no terminal: one line for the log");
    }

    // 6. One message style; options named as typed; CSV errors with line and column; counts and numbers in words.

    [TestCase(new[] { "train", "--activation", "relux" }, "gpudigits: error: --activation must be one of relu, sigmoid, tanh, elu; got 'relux'. (see 'gpudigits train --help')")]
    [TestCase(new[] { "export", "-m", "x.gdm" }, "gpudigits: error: -o/--out is required. (see 'gpudigits export --help')")]
    [TestCase(new[] { "evaluate", "-m" }, "gpudigits: error: -m/--model needs a value. (see 'gpudigits evaluate --help')")]
    [TestCase(new[] { "train", "--epochs", "three" }, "gpudigits: error: --epochs expects a whole number, got 'three'. (see 'gpudigits train --help')")]
    [TestCase(new[] { "trian" }, "gpudigits: error: Unknown command 'trian'. Did you mean 'train'? (see 'gpudigits --help')")]
    [TestCase(new[] { "train", "--lr", "1e9" }, "gpudigits: error: --lr must be a positive number up to 100, got 1e9.")]
    public void EveryErrorHasTheOneStyle(string[] args, string expected)
    {
        var (code, _, err) = CliRunner.Run(args);
        Assert.That(code, Is.EqualTo(ExitCodes.Usage), err);
        Assert.That(err.Trim(), Is.EqualTo(expected));
    }

    [Test]
    public void PlotCountsInWords()
    {
        string csv = _temp.File("a/metrics.csv");
        Directory.CreateDirectory(_temp.File("a"));
        MetricsCsv.Write(csv, [new EpochMetrics(1, 0.3, 0.9, 0.2, 0.94, 0.05, 1, 1000, "cpu")]);
        var (code, _, err) = CliRunner.Run("plot", csv, csv, "--labels", "one", "-o", _temp.File("p.svg"));
        Assert.That(code, Is.EqualTo(ExitCodes.Usage));
        Assert.That(err, Does.Contain("--labels has 1 label for 2 CSV files; give one per file."));
        var (ok, output, err2) = CliRunner.Run("plot", csv, "-o", _temp.File("p.svg"));
        Assert.That(ok, Is.Zero, err2);
        Assert.That(output, Does.Contain("(1 run, 1 epoch)"));
    }

    private const string Header = "epoch,train_loss,train_accuracy,test_loss,test_accuracy,learning_rate,epoch_seconds,samples_per_second,device";

    [TestCase("a,b\n1,2\n", "its header lacks the columns epoch, train_loss")]
    [TestCase(Header + "\n1,0.3,0.9,0.2,0.94,0.05,1,1000,cpu\n2,x,0.9,0.2,0.94,0.05,1,1000,cpu\n", "line 3, column train_loss: 'x' is not a number")]
    [TestCase(Header + "\n1.5,0.3,0.9,0.2,0.94,0.05,1,1000,cpu\n", "line 2, column epoch: '1.5' is not a whole number")]
    [TestCase(Header + "\n1,0.3,0.9\n", "line 2 has 3 fields where the header has 9")]
    public void ACsvThatIsNoMetricsFileSaysWhereAndWhy(string content, string expected)
    {
        string csv = _temp.File("bad.csv");
        File.WriteAllText(csv, content);
        var (code, _, err) = CliRunner.Run("plot", csv, "-o", _temp.File("p.svg"));
        Assert.That(code, Is.EqualTo(ExitCodes.Failure), err);
        Assert.That(Errors(err).Single(), Is.EqualTo($"gpudigits: error: {csv}: is not a metrics CSV written by 'gpudigits train': {expected}" +
                                                      (expected.StartsWith("its header") ? Errors(err).Single().Split(expected)[1] : "")));
        Assert.That(err, Does.Not.Contain("conversion cannot be performed").And.Not.Contain("MissingFieldFound"));
    }

    [Test]
    public void LowercaseNanAndInfAreNumbers()
    {
        string csv = _temp.File("nan.csv");
        File.WriteAllText(csv, Header + "\n1,nan,0.9,inf,0.94,0.05,1,1000,cpu\n2,0.1,0.95,-INF,0.96,0.05,1,1000,cpu\n3,NaN,0.96,Infinity,0.97,0.05,1,1000,cpu\n");
        var rows = MetricsCsvReader.Read(csv);
        Assert.That(double.IsNaN(rows[0].TrainLoss) && double.IsPositiveInfinity(rows[0].TestLoss), Is.True);
        Assert.That(double.IsNegativeInfinity(rows[1].TestLoss) && double.IsNaN(rows[2].TrainLoss), Is.True);
        var (code, _, err) = CliRunner.Run("plot", csv, "-o", _temp.File("nan.svg"));
        Assert.That(code, Is.Zero, err);
    }

    [TestCase(0.05, "0.05")]
    [TestCase(5e-5, "0.00005")]
    [TestCase(1e9, "1e9")]
    [TestCase(2.5e-7, "2.5e-7")]
    [TestCase(-1, "-1")]
    [TestCase(123456.0, "123456")]
    public void NumbersNeverUseDotNetsExponentForm(double value, string expected) =>
        Assert.That(Phrase.Number(value), Is.EqualTo(expected));

    [Test]
    public void BenchCountsItsRepetitionsInWords()
    {
        using var cpu = AcceleratorCatalog.Default().Open("cpu");
        var one = new StringWriter();
        new BenchView(one, TextWriter.Null).Header(cpu.Info, 1);
        Assert.That(one.ToString(), Does.Contain("1 timed repetition per op").And.Not.Contain("repetitions"));
        var ten = new StringWriter();
        new BenchView(ten, TextWriter.Null).Header(cpu.Info, 10);
        Assert.That(ten.ToString(), Does.Contain("10 timed repetitions per op"));
    }

    [TestCase(1, "1 label")]
    [TestCase(2, "2 labels")]
    [TestCase(60000, "60,000 labels")]
    public void CountsAgreeWithTheirNoun(int count, string expected) => Assert.That(Phrase.Count(count, "label"), Is.EqualTo(expected));
}

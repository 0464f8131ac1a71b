using System.Globalization;
using System.Xml.Linq;
using GpuDigits.Cli;
using GpuDigits.Model.Persistence;
using GpuDigits.Model.Training;
using GpuDigits.Tests.Data;
using GpuDigits.Reports.Evaluation;
using GpuDigits.Reports.Plotting;
using NUnit.Framework;

namespace GpuDigits.Tests.Viz;

public class PlotCommandTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";
    private TempFolder _temp = null!;

    [SetUp] public void SetUp() => _temp = new TempFolder();
    [TearDown] public void TearDown() => _temp.Dispose();

    private string Metrics(string folder, params (double TrainLoss, double TestLoss, double TrainAcc, double TestAcc)[] epochs)
    {
        Directory.CreateDirectory(_temp.File(folder));
        string path = Path.Combine(_temp.File(folder), "metrics.csv");
        MetricsCsv.Write(path, epochs.Select((e, i) => new EpochMetrics(i + 1, e.TrainLoss, e.TrainAcc, e.TestLoss, e.TestAcc, 0.05, 1, 1000, "cpu")));
        return path;
    }

    private string Relu() => Metrics("relu", (0.30, 0.20, 0.91, 0.94), (0.12, 0.11, 0.965, 0.967), (0.07, 0.09, 0.98, 0.975));
    private string Sigmoid() => Metrics("sigmoid", (0.90, 0.40, 0.75, 0.89), (0.35, 0.30, 0.90, 0.915), (0.28, 0.27, 0.92, 0.925));

    [Test]
    public void TwoRunsAreOverlaidWithALegend()
    {
        string output = _temp.File("plots/compare.svg");
        var (code, stdout, err) = CliRunner.Run("plot", Relu(), Sigmoid(), "-o", output);
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(stdout, Does.Contain("2 runs"));

        var doc = XDocument.Load(output);
        Assert.That(doc.Root!.Name, Is.EqualTo(Svg + "svg"));
        Assert.That(doc.Root.Element(Svg + "title")!.Value, Is.EqualTo("Loss and accuracy per epoch"));
        var lines = doc.Descendants(Svg + "polyline").ToList();
        Assert.That(lines, Has.Count.EqualTo(8), "2 runs x 2 panels x (train, test)");
        Assert.That(lines.Count(l => l.Attribute("stroke-dasharray") is not null), Is.EqualTo(4), "test lines are dashed");
        Assert.That(lines.Select(l => (string)l.Attribute("stroke")!).Distinct(), Is.EqualTo(MetricsPlot.Palette.Take(2)), "one colour per run");
        Assert.That(doc.Descendants(Svg + "circle").Count(), Is.EqualTo(2 * 2 * 2 * 3), "a marker per value");

        var legend = doc.Descendants(Svg + "g").Single(g => (string?)g.Attribute("id") == "legend").Descendants(Svg + "text").Select(t => t.Value);
        Assert.That(legend, Is.EqualTo(new[] { "relu", "sigmoid", "train", "test" }), "default labels are the run folders");
        var texts = doc.Descendants(Svg + "text").Select(t => t.Value).ToList();
        Assert.That(texts.Count(t => t == "epoch"), Is.EqualTo(2), "both x axes are labeled");
        Assert.That(texts, Does.Contain("loss").And.Contain("accuracy (%)"));
        Assert.That(texts, Does.Contain("1").And.Contain("2").And.Contain("3"), "epoch ticks");

        // Values map to positions: in the loss panel, a lower loss is drawn lower (larger y).
        var lossPanel = doc.Descendants(Svg + "g").Single(g => (string?)g.Attribute("id") == "panel-loss");
        var reluTrain = lossPanel.Descendants(Svg + "polyline").First();
        var ys = ((string)reluTrain.Attribute("points")!).Split(' ').Select(p => double.Parse(p.Split(',')[1], CultureInfo.InvariantCulture)).ToArray();
        Assert.That(ys, Is.Ordered.Ascending.And.Unique, "relu train loss 0.30 > 0.12 > 0.07");
        var ticks = lossPanel.Elements(Svg + "text").Select(t => t.Value).Where(v => v.Contains('.')).ToList();
        Assert.That(ticks.First(), Is.EqualTo("0.0"), "the loss axis starts at zero");
        Assert.That(double.Parse(ticks.Last(), CultureInfo.InvariantCulture), Is.GreaterThanOrEqualTo(0.9), "and reaches the largest loss");
    }

    [Test]
    public void LabelsCanBeGivenAndOneEpochIsEnough()
    {
        string output = _temp.File("one.svg");
        var (code, _, err) = CliRunner.Run("plot", Metrics("a", (0.5, 0.4, 0.8, 0.85)), "-o", output, "--labels", "first & <only>", "--title", "A \"quoted\" title");
        Assert.That(code, Is.EqualTo(0), err);
        var doc = XDocument.Load(output);
        Assert.That(doc.Descendants(Svg + "text").Select(t => t.Value), Does.Contain("first & <only>").And.Contain("A \"quoted\" title"), "escaped, and well-formed");
        Assert.That(doc.Descendants(Svg + "polyline").Count(), Is.EqualTo(4));
    }

    [Test]
    public void APngPlotIsTheSameChart()
    {
        string output = _temp.File("curves.png");
        var (code, _, err) = CliRunner.Run("plot", Relu(), Sigmoid(), "-o", output);
        Assert.That(code, Is.EqualTo(ExitCodes.Success), err);
        using var bitmap = SkiaSharp.SKBitmap.Decode(output);
        Assert.That(bitmap.Width, Is.EqualTo((int)(1000 * MetricsPlot.PngScale)), "the SVG's 1000 units at twice the pixels");
        var colours = new HashSet<uint>();
        for (int y = 0; y < bitmap.Height; y += 7)
            for (int x = 0; x < bitmap.Width; x += 7) colours.Add((uint)bitmap.GetPixel(x, y));
        Assert.That(colours, Has.Count.GreaterThan(20), "both panels are drawn, not a blank image");
        Assert.That(bitmap.GetPixel(bitmap.Width / 4, bitmap.Height / 2), Is.Not.EqualTo(SkiaSharp.SKColors.Transparent));
        (code, _, err) = CliRunner.Run("plot", Relu(), "-o", _temp.File("curves.gif"));
        Assert.That(code, Is.EqualTo(ExitCodes.Usage), err);
    }

    [Test]
    public void AHugeCsvMakesASmallPlot()
    {
        var epochs = Enumerable.Range(0, 20_000).Select(i => (1.0 / (i + 1), 1.2 / (i + 1), 1 - 0.5 / (i + 1), 1 - 0.6 / (i + 1))).ToArray();
        string output = _temp.File("huge.svg");
        var (code, _, err) = CliRunner.Run("plot", Metrics("huge", epochs), "-o", output);
        Assert.That(code, Is.EqualTo(ExitCodes.Success), err);
        Assert.That(new FileInfo(output).Length, Is.LessThan(2_000_000), "at most 1,000 points per series, no marker each");
        Assert.That(new FileInfo(output).Length, Is.GreaterThan(10_000), "the curves are there");
    }

    [Test]
    public void ErrorsAreOneLine()
    {
        string relu = Relu(), sigmoid = Sigmoid();
        string notCsv = _temp.Write("notes.csv", "hello,world\nthis,is not metrics\n"u8.ToArray());
        string empty = _temp.Write("empty.csv", "epoch,train_loss,train_accuracy,test_loss,test_accuracy,learning_rate,epoch_seconds,samples_per_second,device\n"u8.ToArray());
        (string[] Args, int Code, string Message)[] cases =
        [
            (["plot", relu, sigmoid, "-o", _temp.File("x.svg"), "--labels", "a,b,c"], ExitCodes.Usage, "3 labels for 2 CSV files"),
            (["plot", relu, "-o", _temp.File("x.gif")], ExitCodes.Usage, "name ending in .svg"),
            (["plot", relu], ExitCodes.Usage, "--out"),
            (["plot", "-o", _temp.File("x.svg")], ExitCodes.Usage, "gpudigits plot"),
            (["plot", notCsv, "-o", _temp.File("x.svg")], ExitCodes.Failure, "is not a metrics CSV"),
            (["plot", empty, "-o", _temp.File("x.svg")], ExitCodes.Failure, "holds no epochs yet"),
            (["plot", _temp.File("missing.csv"), "-o", _temp.File("x.svg")], ExitCodes.Failure, "missing.csv' does not exist"),
        ];
        foreach (var (args, expectedCode, message) in cases)
        {
            var (code, _, err) = CliRunner.Run(args);
            Assert.That(code, Is.EqualTo(expectedCode), string.Join(" ", args) + "\n" + err);
            Assert.That(CliRunner.ErrorLines(err), Has.Length.EqualTo(1), err);
            Assert.That(err, Does.Contain(message));
        }
        Assert.That(File.Exists(_temp.File("x.svg")), Is.False);
    }

    [Test]
    public void DefaultLabelsAreFolderNamesUnlessTheyRepeat()
    {
        Assert.That(MetricsPlot.DefaultLabels(["runs/relu/metrics.csv", "runs/sigmoid/metrics.csv"]), Is.EqualTo(new[] { "relu", "sigmoid" }));
        Assert.That(MetricsPlot.DefaultLabels(["runs/a/relu.csv", "runs/a/sigmoid.csv"]), Is.EqualTo(new[] { "relu", "sigmoid" }));
        Assert.That(MetricsPlot.DefaultLabels(["x/a/m.csv", "y/a/m.csv"]), Is.EqualTo(new[] { "m", "m (2)" }));
    }

    [TestCase(0, 0.93, 0.0, 1.0, 0.2)]
    [TestCase(0.9, 0.99, 0.9, 1.0, 0.02)]
    [TestCase(1, 10, 0, 10, 2)]
    public void AxesHaveRoundTicks(double low, double high, double min, double max, double step)
    {
        var axis = Axis.Nice(low, high);
        Assert.That((axis.Min, axis.Max, axis.Step), Is.EqualTo((min, max, step)).Using<(double, double, double)>((a, b) =>
            Math.Abs(a.Item1 - b.Item1) < 1e-9 && Math.Abs(a.Item2 - b.Item2) < 1e-9 && Math.Abs(a.Item3 - b.Item3) < 1e-12));
    }

    [TestCase(0, 0.93)]
    [TestCase(0.9123, 0.9877)]
    [TestCase(5, 5)]
    [TestCase(-3, 1234.5)]
    [TestCase(0.00012, 0.00049)]
    public void AxesCoverTheDataWithRoundEvenlySpacedTicks(double low, double high)
    {
        var axis = Axis.Nice(low, high);
        var ticks = axis.Ticks().ToList();
        Assert.That(axis.Min, Is.LessThanOrEqualTo(low));
        Assert.That(axis.Max, Is.GreaterThanOrEqualTo(high));
        Assert.That(axis.Max, Is.GreaterThan(axis.Min));
        Assert.That(ticks, Has.Count.InRange(3, 12));
        double mantissa = axis.Step / Math.Pow(10, Math.Floor(Math.Log10(axis.Step)));
        Assert.That(new[] { 1.0, 2.0, 5.0 }.Any(m => Math.Abs(m - mantissa) < 1e-9), $"step {axis.Step}");
        Assert.That(Math.Abs(axis.Min / axis.Step - Math.Round(axis.Min / axis.Step)), Is.LessThan(1e-6), "ends are multiples of the step");
        Assert.That(ticks.Select(axis.Label).Distinct().Count(), Is.EqualTo(ticks.Count), "labels tell ticks apart");
    }
}

/// <summary><c>gpudigits train</c> saves its models, and <c>evaluate</c> on them agrees with the training metrics.</summary>
public class TrainSavesModelsTests
{
    [Test]
    public void TrainWritesModelFilesThatEvaluateToTheRecordedMetrics()
    {
        using var temp = new TempFolder();
        string run = temp.File("run");
        var (code, output, err) = CliRunner.Run("train", "--device", "cpu", "--data", TestData.MnistDirectory(), "--out", run,
            "--epochs", "3", "--train-limit", "1500", "--test-limit", "500", "--lr", "0.3", "--schedule", "constant");
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(Directory.GetFiles(run).Select(Path.GetFileName).Order(), Is.EqualTo(new[] { "checkpoint.gdm", "metrics.csv", "model-best.gdm", "model.gdm" }), "and no temporary files");
        Assert.That(output, Does.Contain(Path.Combine(run, "model.gdm")));

        var metrics = MetricsCsvReader.Read(Path.Combine(run, "metrics.csv"));
        var best = metrics.First(m => m.TestAccuracy == metrics.Max(x => x.TestAccuracy));
        var final = ModelFormat.Load(Path.Combine(run, "model.gdm"));
        var bestModel = ModelFormat.Load(Path.Combine(run, "model-best.gdm"));
        Assert.That(final.Metadata["epoch"], Is.EqualTo("3"));
        Assert.That(bestModel.Metadata["epoch"], Is.EqualTo(best.Epoch.ToString()), "the best epoch by test accuracy");
        Assert.That(final.Metadata["learning_rate"], Is.EqualTo("0.3"));
        Assert.That(final.Spec.ToString(), Is.EqualTo("784-128-128-10 relu"));

        foreach (var (file, epoch) in new[] { ("model.gdm", metrics[^1]), ("model-best.gdm", best) })
        {
            string evalDir = temp.File("eval-" + file);
            (code, _, err) = CliRunner.Run("evaluate", "--model", Path.Combine(run, file), "--device", "cpu", "--data", TestData.MnistDirectory(),
                "--out", evalDir, "--test-limit", "500");
            Assert.That(code, Is.EqualTo(0), err);
            var summary = EvaluationCsv.ReadSummary(Path.Combine(evalDir, Path.GetFileNameWithoutExtension(file) + "-summary.csv"));
            Assert.That(summary.Accuracy, Is.EqualTo(epoch.TestAccuracy).Within(1e-9), $"{file}: the same weights on the same images");
            Assert.That(summary.Loss, Is.EqualTo(epoch.TestLoss).Within(1e-6));
        }
    }
}

using System.Text.RegularExpressions;
using System.Xml.Linq;
using GpuDigits.Cli;
using GpuDigits.Data.Images;
using GpuDigits.Tests.Data;
using GpuDigits.Reports.Evaluation;
using GpuDigits.Reports.Plotting;
using NUnit.Framework;

namespace GpuDigits.Tests.Viz;

/// <summary><c>gpudigits evaluate</c> end to end: screen, CSV files, predictions sheet, errors.</summary>
public class EvaluateCommandTests
{
    private const int Images = 2000;
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";
    private TempFolder _temp = null!;

    [SetUp] public void SetUp() => _temp = new TempFolder();
    [TearDown] public void TearDown() => _temp.Dispose();

    private (int Code, string Out, string Err) Evaluate(params string[] args) =>
        CliRunner.Run(["evaluate", "--device", "cpu", "--data", TestData.MnistDirectory(), .. args]);

    [Test]
    public void WritesConsistentCsvFilesAndASheet()
    {
        string sheet = _temp.File("sheet.svg");
        var (code, output, err) = Evaluate("--model", TrainedModel.Path, "--out", _temp.Path, "--sheet", sheet, "--test-limit", Images.ToString());
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(_temp.Entries(), Is.EqualTo(new[] { "model-confusion.csv", "model-per-class.csv", "model-summary.csv", "sheet.svg" }), "and no temporary files");

        var test = TrainedModel.Test.Take(Images);
        var summary = EvaluationCsv.ReadSummary(_temp.File("model-summary.csv"));
        var matrix = EvaluationCsv.ReadConfusion(_temp.File("model-confusion.csv"));
        var perClass = EvaluationCsv.ReadPerClass(_temp.File("model-per-class.csv"));

        Assert.That((summary.Model, summary.Device, summary.Images), Is.EqualTo(("model.gdm", "cpu", Images)));
        Assert.That(matrix.Total, Is.EqualTo(Images), "the confusion matrix counts every test image once");
        Assert.That((double)matrix.Correct / Images, Is.EqualTo(summary.Accuracy).Within(1e-12), "its diagonal is the device's accuracy");
        for (int c = 0; c < 10; c++)
        {
            Assert.That(matrix.RowTotal(c), Is.EqualTo(test.Labels.Count(l => l == c)), $"row {c} holds the images labeled {c}");
            Assert.That(perClass[c].Count, Is.EqualTo(matrix.RowTotal(c)));
            Assert.That(perClass[c].Predicted, Is.EqualTo(matrix.ColumnTotal(c)));
            Assert.That(perClass[c].Correct, Is.EqualTo(matrix[c, c]));
            Assert.That(perClass[c].Recall, Is.EqualTo((double)matrix[c, c] / matrix.RowTotal(c)).Within(1e-12));
            Assert.That(perClass[c].Precision, Is.EqualTo((double)matrix[c, c] / matrix.ColumnTotal(c)).Within(1e-12));
        }

        // Independent check: a float64 forward pass on the host agrees with the device's accuracy (up to near-ties).
        var host = HostReference.Predict(TrainedModel.Model, test);
        double hostAccuracy = host.Where((p, i) => p == test.Labels[i]).Count() / (double)Images;
        Assert.That(summary.Accuracy, Is.EqualTo(hostAccuracy).Within(0.0015));
        Assert.That(summary.Accuracy, Is.GreaterThan(0.9));

        Assert.That(output, Does.Contain($"Test accuracy {summary.Accuracy * 100:F2} % ({matrix.Correct:N0} of {Images:N0})"));
        Assert.That(output, Does.Contain("Per class").And.Contain("Confusion matrix"));
        Assert.That(output, Does.Contain($"trained {TrainedModel.Epochs} epochs"), "the model's metadata is shown");

        CheckSheet(sheet, matrix, host);
    }

    private static void CheckSheet(string path, GpuDigits.Model.Inference.ConfusionMatrix matrix, int[] hostPredictions)
    {
        var doc = XDocument.Load(path);
        Assert.That(doc.Root!.Name, Is.EqualTo(Svg + "svg"));
        var test = TrainedModel.Test;
        var digits = doc.Descendants(Svg + "g").Where(g => ((string?)g.Attribute("class"))?.StartsWith("digit") == true).ToList();
        Assert.That(digits, Has.Count.EqualTo(PredictionSheet.DefaultCount));
        int wrong = Images - matrix.Correct;
        Assert.That(digits.Count(g => (string)g.Attribute("class")! == "digit wrong"), Is.EqualTo(Math.Min(wrong, 18)), "misclassified ones first, up to half");
        Assert.That(digits.Select(g => (string)g.Attribute("class")!), Is.Ordered.Descending, "wrong before right");

        foreach (var g in digits)
        {
            var tooltip = g.Element(Svg + "title")!.Value;
            var m = Regex.Match(tooltip, @"^test image (\d+): label (\d), predicted (\d)");
            Assert.That(m.Success, tooltip);
            int index = int.Parse(m.Groups[1].Value), label = int.Parse(m.Groups[2].Value), predicted = int.Parse(m.Groups[3].Value);
            Assert.That(label, Is.EqualTo(test.Labels[index]));
            bool right = label == predicted;
            Assert.That((string)g.Attribute("class")!, Is.EqualTo(right ? "digit right" : "digit wrong"));

            var big = g.Descendants(Svg + "text").First(t => (double)t.Attribute("font-size")! > 30);
            Assert.That(big.Value, Is.EqualTo(predicted.ToString()));
            Assert.That((string)big.Attribute("fill")!, Is.EqualTo(right ? PredictionSheet.RightColour : PredictionSheet.WrongColour));
            Assert.That(g.Elements(Svg + "rect").Count(), Is.EqualTo(10), "ten probability bars");

            // The embedded PNG is the test image, enlarged 3x.
            string href = (string)g.Element(Svg + "image")!.Attribute("href")!;
            Assert.That(href, Does.StartWith("data:image/png;base64,"));
            var png = ImageFile.Decode(Convert.FromBase64String(href["data:image/png;base64,".Length..]), "embedded");
            Assert.That((png.Width, png.Height), Is.EqualTo((84, 84)));
            var shrunk = Enumerable.Range(0, 784).Select(i => png[i % 28 * 3 + 1, i / 28 * 3 + 1]).ToArray();
            Assert.That(shrunk, Is.EqualTo(test.Image(index).ToArray()), $"image {index}");
        }

        var cells = doc.Descendants(Svg + "g").Single(g => (string?)g.Attribute("id") == "confusion").Elements(Svg + "rect").ToList();
        Assert.That(cells, Has.Count.EqualTo(100));
        foreach (var cell in cells)
        {
            var m = Regex.Match(cell.Element(Svg + "title")!.Value, @"^actual (\d), predicted (\d): (\d+)$");
            Assert.That(int.Parse(m.Groups[3].Value), Is.EqualTo(matrix[int.Parse(m.Groups[1].Value), int.Parse(m.Groups[2].Value)]));
        }
    }

    [Test]
    public void APngSheetShowsTheSameDigitsAsTheSvgOne()
    {
        string png = _temp.File("sheet.png");
        var (code, _, err) = Evaluate("--model", TrainedModel.Path, "--out", _temp.Path, "--sheet", png, "--test-limit", "300");
        Assert.That(code, Is.EqualTo(0), err);
        using var bitmap = SkiaSharp.SKBitmap.Decode(png);
        // Twice the SVG's size (2 device pixels per unit): 6 columns of 150 plus margins, 6 rows of digits and the matrix.
        Assert.That(bitmap.Width, Is.EqualTo(2 * (2 * 30 + 6 * 150)));

        var test = TrainedModel.Test.Take(300);
        using var acc = GpuDigits.Engine.AcceleratorCatalog.Default().Open("cpu");
        using var classifier = new GpuDigits.Model.Inference.Classifier(acc, TrainedModel.Model);
        var result = classifier.Classify(test);
        var shown = PredictionSheet.Select(result);
        for (int k = 0; k < 3; k++)
        {
            // Digit k's picture fills 84 x 84 units at (38 + 150 (k % 6), 84): MNIST pixel (c, r) covers 6 x 6 device pixels.
            int left = 2 * (30 + 8 + k % 6 * 150), top = 2 * (80 + 4 + k / 6 * 150);
            var pixels = Enumerable.Range(0, 784).Select(i => bitmap.GetPixel(left + i % 28 * 6 + 3, top + i / 28 * 6 + 3).Red).ToArray();
            Assert.That(pixels, Is.EqualTo(test.Image(shown[k]).ToArray()), $"digit {k} is test image {shown[k]}");
        }
        // Right predictions in green, wrong ones in red: both colours are drawn.
        var colours = new HashSet<uint>();
        for (int y = 0; y < bitmap.Height; y += 2)
            for (int x = 0; x < bitmap.Width; x += 2)
                colours.Add((uint)bitmap.GetPixel(x, y));
        Assert.That(colours, Does.Contain((uint)SkiaSharp.SKColor.Parse(PredictionSheet.RightColour)));
        Assert.That(colours, Does.Contain((uint)SkiaSharp.SKColor.Parse(PredictionSheet.WrongColour)));
    }

    [Test]
    public void ADamagedModelIsOneLine()
    {
        var bytes = File.ReadAllBytes(TrainedModel.Path);
        bytes[bytes.Length / 2] ^= 0xFF;
        string path = _temp.Write("damaged.gdm", bytes);
        var (code, _, err) = Evaluate("--model", path, "--out", _temp.Path);
        Assert.That(code, Is.EqualTo(ExitCodes.Failure), err);
        Assert.That(CliRunner.ErrorLines(err), Has.Length.EqualTo(1), err);
        Assert.That(CliRunner.ErrorLines(err)[0], Does.StartWith($"gpudigits: error: {path}: is damaged: its SHA-256 checksum does not match its content"));
        Assert.That(_temp.Entries(), Is.EqualTo(new[] { "damaged.gdm" }), "nothing written");

        string missing = _temp.File("none.gdm");
        (code, _, err) = Evaluate("--model", missing);
        Assert.That(code, Is.EqualTo(ExitCodes.Failure), err);
        Assert.That(CliRunner.ErrorLines(err), Has.Length.EqualTo(1));
        Assert.That(err, Does.Contain("none.gdm' does not exist"));
    }

    [TestCase(new string[0], "--model")]
    [TestCase(new[] { "--model", "m.gdm", "--sheet", "sheet.jpg" }, "name ending in .svg or .png")]
    [TestCase(new[] { "--model", "m.gdm", "--test-limit", "0" }, "--test-limit must be a positive number")]
    public void UsageErrors(string[] args, string message)
    {
        var (code, _, err) = Evaluate(args);
        Assert.That(code, Is.EqualTo(ExitCodes.Usage), err);
        Assert.That(CliRunner.ErrorLines(err), Has.Length.EqualTo(1));
        Assert.That(err, Does.Contain(message));
    }
}

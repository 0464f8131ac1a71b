using System.Text;
using GpuDigits.Cli;
using GpuDigits.Tests.Data;
using GpuDigits.Tests.Images;
using GpuDigits.Tests.Viz;
using NUnit.Framework;

namespace GpuDigits.Tests.Viz;

/// <summary><c>gpudigits predict</c> on hand-drawn digits in every supported file type, and on test images.</summary>
public class PredictTests
{
    private TempFolder _temp = null!;

    [SetUp] public void SetUp() => _temp = new TempFolder();
    [TearDown] public void TearDown() => _temp.Dispose();

    private (int Code, string Out, string Err) Predict(params string[] args) =>
        CliRunner.Run(["predict", "--model", TrainedModel.Path, "--device", "cpu", "--data", TestData.MnistDirectory(), .. args]);

    private static byte[] Pgm(Drawing d, bool binary)
    {
        if (binary) return [.. Encoding.ASCII.GetBytes($"P5\n# hand drawn\n{d.Width} {d.Height}\n255\n"), .. d.Pixels];
        var text = new StringBuilder($"P2\n{d.Width} {d.Height}\n255\n");
        for (int y = 0; y < d.Height; y++) text.AppendLine(string.Join(' ', d.Pixels.Skip(y * d.Width).Take(d.Width)));
        return Encoding.ASCII.GetBytes(text.ToString());
    }

    /// <summary>Dark strokes on a fully transparent canvas (RGBA, alpha = ink coverage).</summary>
    private static byte[] TransparentPng(Drawing d) => new TestPng
    {
        Width = d.Width, Height = d.Height, ColorType = 6, FilterOfRow = y => y % 5,
        Samples = d.Pixels.SelectMany(p => new byte[] { 20, 20, 20, (byte)Math.Clamp((245 - p) * 255 / 220, 0, 255) }).ToArray(),
    }.Encode();

    [TestCase("1", "gray.png")]
    [TestCase("7", "rgb.png")]
    [TestCase("4", "transparent.png")]
    [TestCase("0", "binary.pgm")]
    [TestCase("3", "text.pgm")]
    public void AHandDrawnDigitIsRecognized(string digit, string file)
    {
        var drawing = HandDrawnDigits.All().Single(d => d.Name == digit).Drawing;
        byte[] bytes = file switch
        {
            "gray.png" => drawing.GrayPng(),
            "rgb.png" => drawing.RgbPng(),
            "transparent.png" => TransparentPng(drawing),
            "binary.pgm" => Pgm(drawing, binary: true),
            _ => Pgm(drawing, binary: false),
        };
        string path = _temp.Write($"digit-{digit}-{file}", bytes);

        var (code, output, err) = Predict("--image", path, "--show");
        TestContext.Out.WriteLine(output.Split("Prediction:")[0]);
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(output, Does.Contain($"Prediction: {digit} ("));
        Assert.That(output, Does.Contain("200 x 200, dark on light (inverted)"));
        Assert.That(output, Does.Contain("@@"), "--show prints the 28 x 28 input");
        var rows = output.Split('\n').Where(l => l.Contains('│')).ToList();
        Assert.That(rows.Count(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"│\s*[123]\s*│\s*\d\s*│\s*[\d.]+ %")), Is.EqualTo(3), output);
    }

    [Test]
    public void ATestImageByIndexShowsItsLabel()
    {
        var (code, output, err) = Predict("--index", "0");
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(output, Does.Contain($"test image 0 (label {TrainedModel.Test.Labels[0]})"));
        Assert.That(output, Does.Contain("Right: the label is 7."));
    }

    [TestCase(new[] { "--index", "10000" }, "--index must be below 10,000")]
    [TestCase(new[] { "--index", "-1" }, "--index must be 0 or more")]
    [TestCase(new string[0], "exactly one of --index N")]
    [TestCase(new[] { "--index", "3", "--image", "x.png" }, "exactly one of --index N")]
    public void BadChoicesAreUsageErrors(string[] args, string message)
    {
        var (code, _, err) = Predict(args);
        Assert.That(code, Is.EqualTo(ExitCodes.Usage), err);
        Assert.That(CliRunner.ErrorLines(err), Has.Length.EqualTo(1));
        Assert.That(err, Does.Contain(message));
    }

    [Test]
    public void UnreadablePicturesAreOneLine()
    {
        string broken = _temp.Write("broken.png", HandDrawnDigits.One().GrayPng()[..300]);
        string blank = _temp.Write("blank.pgm", Pgm(new Drawing(50, 50, 240), binary: true));
        string missing = _temp.File("missing.png");
        foreach (var (path, message) in new[] { (broken, "truncated"), (blank, "shows no digit"), (missing, "missing.png") })
        {
            var (code, _, err) = Predict("--image", path);
            Assert.That(code, Is.EqualTo(ExitCodes.Failure), err);
            Assert.That(CliRunner.ErrorLines(err), Has.Length.EqualTo(1), err);
            Assert.That(err, Does.Contain(message));
        }
    }
}

/// <summary>The README's <c>predict --image docs/images/seven.png</c> works on a fresh clone: the picture is in the repo and reads as a 7.</summary>
public sealed class RepositoryPictureTests
{
    [Test]
    public void TheReadmePictureIsASeven()
    {
        var picture = TestData.SevenPng;
        using var temp = new GpuDigits.Tests.Data.TempFolder();
        var run = temp.File("run");
        var (code, _, err) = CliRunner.Run("train", "--device", "cpu", "--data", TestData.MnistDirectory(), "--train-limit", "20000",
            "--epochs", "2", "--test-limit", "500", "--out", run);
        Assert.That(code, Is.EqualTo(GpuDigits.Cli.ExitCodes.Success), err);
        (code, var output, err) = CliRunner.Run("predict", "--model", Path.Combine(run, "model.gdm"), "--image", picture);
        Assert.That(code, Is.EqualTo(GpuDigits.Cli.ExitCodes.Success), output + err);
        Assert.That(output, Does.Contain("Prediction: 7"));
    }
}

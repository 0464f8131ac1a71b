using GpuDigits.Data;
using GpuDigits.Data.Images;
using GpuDigits.Engine;
using GpuDigits.Model.Inference;
using GpuDigits.Tests.Images;
using GpuDigits.Tests.Viz;
using NUnit.Framework;

namespace GpuDigits.Tests.Images;

public class PreprocessingTests
{
    private const int Side = 28;

    private static GrayImage Image(Drawing d) => new(d.Width, d.Height, d.Pixels);

    /// <summary>Center of mass with pixel centers at x + 0.5. MNIST's digits have theirs at (14.5, 14.5), the center of pixel (14, 14).</summary>
    private static (double X, double Y) CenterOfMass(byte[] pixels)
    {
        double mass = 0, x = 0, y = 0;
        for (int i = 0; i < pixels.Length; i++)
        {
            mass += pixels[i];
            x += pixels[i] * (i % Side + 0.5);
            y += pixels[i] * (i / Side + 0.5);
        }
        return (x / mass, y / mass);
    }

    private static (int Left, int Top, int Width, int Height) InkBox(byte[] pixels)
    {
        var ink = Enumerable.Range(0, pixels.Length).Where(i => pixels[i] > 0).ToList();
        int left = ink.Min(i => i % Side), right = ink.Max(i => i % Side), top = ink.Min(i => i / Side), bottom = ink.Max(i => i / Side);
        return (left, top, right - left + 1, bottom - top + 1);
    }

    [Test]
    public void AnOffCenterDarkDigitOnLightPaperEndsCenteredByMass()
    {
        // A lopsided "4"-like figure in the top-left corner of a wide white page: its bounding box center and its
        // center of mass differ, so centering by mass is visible.
        var page = new Drawing(300, 160, 250)
            .Stroke(30, 20, 20, 90, 9, 10)
            .Stroke(20, 90, 80, 90, 9, 10)
            .Stroke(65, 30, 65, 140, 14, 10);
        var digit = MnistPreprocessor.Prepare(Image(page));

        Assert.That(digit.Inverted, Is.True, "dark on light is inverted to MNIST's light on dark");
        Assert.That(digit.Pixels, Has.Length.EqualTo(Side * Side));
        var (cx, cy) = CenterOfMass(digit.Pixels);
        Assert.That(cx, Is.EqualTo(14.5).Within(0.5), "centered by mass on pixel (14, 14), to the nearest pixel");
        Assert.That(cy, Is.EqualTo(14.5).Within(0.5));
        var box = InkBox(digit.Pixels);
        Assert.That(Math.Max(box.Width, box.Height), Is.EqualTo(20), "the longer side is 20 pixels");
        Assert.That(digit.DigitBox.Y, Is.LessThan(20), "found where it was drawn");
        Assert.That(digit.DigitBox.X, Is.LessThan(20));
        Assert.That(digit.DigitBox.Width, Is.InRange(70, 80));
        Assert.That(digit.DigitBox.Height, Is.InRange(125, 135));
        Assert.That(digit.Pixels.Max(), Is.EqualTo(255), "ink is stretched to full strength");
    }

    [Test]
    public void TheAspectRatioIsKeptAndTheBoxIsExact()
    {
        // A solid 30 x 90 bar: it becomes exactly 7 x 20 (30 / 90 * 20 = 6.67) pixels of full ink.
        var page = new Drawing(200, 150, 0).Fill(120, 40, 30, 90, 255);
        var digit = MnistPreprocessor.Prepare(Image(page));

        Assert.That(digit.Inverted, Is.False);
        Assert.That(digit.DigitBox, Is.EqualTo(new PixelBox(120, 40, 30, 90)));
        var box = InkBox(digit.Pixels);
        Assert.That((box.Width, box.Height), Is.EqualTo((7, 20)));
        Assert.That(digit.Pixels.Count(p => p == 255), Is.EqualTo(140), "a solid block");
        Assert.That(digit.Pixels.Count(p => p > 0), Is.EqualTo(140));
        Assert.That((box.Left, box.Top), Is.EqualTo((11, 4)), "mass center (3.5, 10) moved to (14.5, 14.5), rounded half to even");
    }

    [Test]
    public void PolarityDoesNotMatter()
    {
        var dark = new Drawing(120, 90, 235).Stroke(30, 20, 80, 70, 10, 20).Stroke(80, 20, 40, 75, 6, 40);
        var light = new Drawing(120, 90, 0);
        for (int i = 0; i < light.Pixels.Length; i++) light.Pixels[i] = (byte)(255 - dark.Pixels[i]);

        var a = MnistPreprocessor.Prepare(Image(dark));
        var b = MnistPreprocessor.Prepare(Image(light));
        Assert.That((a.Inverted, b.Inverted), Is.EqualTo((true, false)));
        Assert.That(a.Pixels, Is.EqualTo(b.Pixels));
    }

    [Test]
    public void BackgroundNoiseAndPaperToneBecomeZero()
    {
        var page = new Drawing(160, 160, 215).Stroke(80, 30, 80, 130, 16, 40);
        var random = new Random(3);
        for (int i = 0; i < page.Pixels.Length; i++)
            if (page.Pixels[i] > 200) page.Pixels[i] = (byte)(page.Pixels[i] + random.Next(-12, 13));
        var digit = MnistPreprocessor.Prepare(Image(page));

        var box = InkBox(digit.Pixels);
        Assert.That(box.Height, Is.EqualTo(20), "noise does not widen the box");
        Assert.That(box.Width, Is.LessThanOrEqualTo(4));
        Assert.That(digit.Pixels.Count(p => p > 0), Is.LessThan(20 * 5));
    }

    [Test]
    public void ABlankPictureShowsNoDigit()
    {
        var e = Assert.Throws<DataFormatException>(() => MnistPreprocessor.Prepare(Image(new Drawing(50, 50, 200).Fill(10, 10, 5, 5, 210)), "blank.png"))!;
        Assert.That(e.Message, Does.StartWith("blank.png: shows no digit"));
    }

    [Test]
    public void TinyAndOneRowPicturesWork()
    {
        var tiny = MnistPreprocessor.Prepare(Image(new Drawing(5, 7, 0).Fill(2, 1, 1, 5, 255)));
        Assert.That(InkBox(tiny.Pixels).Height, Is.EqualTo(20));
        var line = MnistPreprocessor.Prepare(Image(new Drawing(40, 1, 255).Fill(5, 0, 30, 1, 0)));
        Assert.That(InkBox(line.Pixels), Is.EqualTo((4, 14, 20, 1)));
    }

    [Test]
    public void EnlargedInvertedMnistDigitsComeBackAsTheyWere()
    {
        // MNIST test digits, 5x larger and dark on light, through PNG and the preprocessing: since MNIST was made
        // the same way, they come back nearly pixel for pixel, and the model recognizes as many as from the originals.
        var test = TrainedModel.Test.Take(200);
        var prepared = new byte[test.Count * Side * Side];
        for (int n = 0; n < test.Count; n++)
        {
            var big = new Drawing(Side * 5, Side * 5, 255);
            var source = test.Image(n);
            for (int y = 0; y < big.Height; y++)
                for (int x = 0; x < big.Width; x++)
                    big.Pixels[y * big.Width + x] = (byte)(255 - source[y / 5 * Side + x / 5]);
            var picture = ImageFile.Decode(big.GrayPng(), $"digit-{n}.png");
            MnistPreprocessor.Prepare(picture).Pixels.CopyTo(prepared, n * Side * Side);
        }
        using var acc = AcceleratorCatalog.Default().Open("cpu");
        using var classifier = new Classifier(acc, TrainedModel.Model);
        var original = classifier.Classify(test);
        var redone = classifier.Classify(new MnistSplit(prepared, test.Labels, test.Count, Side, Side));

        double meanDifference = test.Images.Zip(prepared, (a, b) => Math.Abs(a - b)).Average();
        TestContext.Out.WriteLine($"mean pixel difference {meanDifference:F2} of 255; accuracy original {original.Accuracy:P1}, enlarged and prepared again {redone.Accuracy:P1}");
        Assert.That(meanDifference, Is.LessThan(4), "same box size, same centering as MNIST");
        Assert.That(redone.Accuracy, Is.GreaterThan(0.9));
        Assert.That(redone.Accuracy, Is.GreaterThanOrEqualTo(original.Accuracy - 0.02));
    }
}

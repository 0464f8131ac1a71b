using GpuDigits.Data;
using NUnit.Framework;

namespace GpuDigits.Tests.Data;

public class NormalizationTests
{
    [Test]
    public void BlackAndWhiteHalves()
    {
        var n = Normalization.FromImages([0, 255, 255, 0]);
        Assert.That(n.Mean, Is.EqualTo(0.5));
        Assert.That(n.Std, Is.EqualTo(0.5));
    }

    [Test]
    public void HandComputedValues()
    {
        // 0, 51, 102 are 0, 0.2, 0.4: mean 0.2, population variance (0.04 + 0 + 0.04) / 3.
        var n = Normalization.FromImages([0, 51, 102]);
        Assert.That(n.Mean, Is.EqualTo(0.2).Within(1e-15));
        Assert.That(n.Std, Is.EqualTo(Math.Sqrt(0.08 / 3)).Within(1e-15));
        Assert.That(n.Apply(102), Is.EqualTo((float)(0.2 / Math.Sqrt(0.08 / 3))).Within(1e-6f));
    }

    [Test]
    public void ConstantPixelsHaveZeroStd()
    {
        var n = Normalization.FromImages(Enumerable.Repeat((byte)128, 1001).ToArray());
        Assert.That(n.Mean, Is.EqualTo(128 / 255.0).Within(1e-15));
        Assert.That(n.Std, Is.Zero);
    }

    // 100,003 bytes: less than one vector block; 1,000,003: several blocks and a scalar tail.
    [TestCase(100_003, 30, 1e-13)]
    [TestCase(1_000_003, 31, 1e-12)]
    public void AgreesWithTwoPassComputation(int length, int seed, double tolerance)
    {
        var pixels = IdxBytes.Noise(length, seed);
        double mean = pixels.Average(p => p / 255.0);
        double std = Math.Sqrt(pixels.Average(p => (p / 255.0 - mean) * (p / 255.0 - mean)));
        var n = Normalization.FromImages(pixels);
        Assert.That(n.Mean, Is.EqualTo(mean).Within(tolerance));
        Assert.That(n.Std, Is.EqualTo(std).Within(tolerance));
    }

    [Test]
    public void SumsStayExactOverManyVectorBlocks()
    {
        // White pixels make the largest lane sums of squares.
        var white = Normalization.FromImages(Enumerable.Repeat((byte)255, 1_000_003).ToArray());
        Assert.That(white.Mean, Is.EqualTo(1.0));
        Assert.That(white.Std, Is.Zero);
    }

    [Test]
    public void NoPixelsIsAnError() =>
        Assert.Throws<ArgumentException>(() => Normalization.FromImages([]));
}

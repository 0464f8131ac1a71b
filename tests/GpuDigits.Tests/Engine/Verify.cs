using GpuDigits.Engine.Verification;
using NUnit.Framework;

namespace GpuDigits.Tests.Engine;

/// <summary>Comparisons of device results with the reference that report the worst element on failure.</summary>
public static class Verify
{
    /// <summary>Every element within <paramref name="tolerance"/>(i) of the reference; NaN or infinity never passes.</summary>
    public static void Close(string what, float[] actual, double[] expected, Func<int, double> tolerance)
    {
        Assert.That(actual, Has.Length.EqualTo(expected.Length), $"{what}: element count");
        int bad = 0, worst = -1;
        double worstRatio = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double error = Math.Abs(actual[i] - expected[i]);
            double tol = tolerance(i);
            if (error <= tol && double.IsFinite(actual[i])) continue;
            bad++;
            double ratio = double.IsFinite(error) ? error / Math.Max(tol, double.Epsilon) : double.PositiveInfinity;
            if (worst < 0 || ratio > worstRatio) (worst, worstRatio) = (i, ratio);
        }
        if (bad > 0)
            Assert.Fail($"{what}: {bad} of {actual.Length} elements outside tolerance; worst at [{worst}]: " +
                        $"expected {expected[worst]:R}, got {actual[worst]:R}, |error| {Math.Abs(actual[worst] - expected[worst]):G3} > {tolerance(worst):G3}.");
    }

    /// <summary>|err| &lt;= relative * |expected| + absolute.</summary>
    public static void Elementwise(string what, float[] actual, double[] expected,
        double absolute = KernelTolerances.ElementwiseAbsolute, double relative = KernelTolerances.ElementwiseRelative) =>
        Close(what, actual, expected, i => relative * Math.Abs(expected[i]) + absolute);

    /// <summary>|err| &lt;= relative * magnitude + absolute, for sums whose terms may cancel.</summary>
    public static void Summed(string what, float[] actual, GpuDigits.Engine.Verification.Reference.ReferenceOps.Summed expected, double relative,
        double absolute) =>
        Close(what, actual, expected.Values, i => relative * expected.Magnitudes[i] + absolute);

    public static void Exact<T>(string what, T[] actual, T[] expected) where T : IEquatable<T>
    {
        Assert.That(actual, Has.Length.EqualTo(expected.Length), $"{what}: element count");
        for (int i = 0; i < actual.Length; i++)
            if (!actual[i].Equals(expected[i]))
                Assert.Fail($"{what}: element [{i}] is {actual[i]}, expected {expected[i]}.");
    }
}

/// <summary>kernels/README.md states the tolerances the code holds the backends to.</summary>
public sealed class ToleranceDocumentationTests
{
    [Test]
    public void TheKernelReadmeStatesTheEngineTolerances()
    {
        string dir = TestContext.CurrentContext.TestDirectory;
        while (!File.Exists(Path.Combine(dir, "kernels", "README.md"))) dir = Path.GetDirectoryName(dir) ?? throw new FileNotFoundException("kernels/README.md");
        string readme = File.ReadAllText(Path.Combine(dir, "kernels", "README.md")).ReplaceLineEndings(" ");
        string E(double v) => v.ToString("0e0", System.Globalization.CultureInfo.InvariantCulture);
        Assert.That(readme, Does.Contain($"GEMM `|err| <= {E(KernelTolerances.Gemm)} * (1 + sum_p |a_ip b_pj|)`"));
        Assert.That(readme, Does.Contain($"elementwise ops and gather `{E(KernelTolerances.ElementwiseRelative)}` relative + `{E(KernelTolerances.ElementwiseAbsolute)}` absolute"));
        Assert.That(readme, Does.Contain($"(sigmoid/tanh `{E(KernelTolerances.SmoothAbsolute)}` absolute)"));
        Assert.That(readme, Does.Contain($"softmax/xent `{E(KernelTolerances.Softmax)}` on probabilities and gradients, `{E(KernelTolerances.LossRelative)}` relative on the loss sum"));
        Assert.That(readme, Does.Contain($"optimizer updates `{E(KernelTolerances.Optimizer)}` relative"));
    }
}

using GpuDigits.Engine.Verification.Reference;
using static GpuDigits.Engine.Verification.Comparison;
using static GpuDigits.Engine.Verification.KernelTolerances;

namespace GpuDigits.Engine.Verification.Cases;

/// <summary>Softmax with cross-entropy: probabilities, gradient, the loss sum and the correct count it adds to the stats.</summary>
internal static class SoftmaxCases
{
    public static IEnumerable<VerificationCase> All()
    {
        (int Rows, int Cols, bool Grad, bool Alias)[] cases =
        [
            (1, 1, true, false), (1, 10, true, false), (7, 10, true, false), (128, 10, true, false),
            (129, 33, true, false), (33, 785, true, false), (1000, 10, true, false), (785, 7, false, false),
            (128, 10, true, true), (127, 10, false, true),
        ];
        foreach (var (rows, cols, grad, alias) in cases)
        {
            string shape = $"{rows}x{cols}{(grad ? " +grad" : "")}{(alias ? " in place" : "")}";
            yield return new VerificationCase("softmax_xent", shape, (dev, rng) => Check(dev, rng, rows, cols, grad, alias, shape));
        }
    }

    private static IEnumerable<VerificationRow> Check(Accelerator dev, Random rng, int rows, int cols, bool grad, bool alias, string shape)
    {
        var logits = rng.Uniform(rows * cols, -4f, 4f);
        if (rows > 2 && cols > 1)
        {
            // A row with huge logits checks the max subtraction.
            logits[cols] = 80f;
            logits[cols + 1] = -80f;
        }
        var labels = Enumerable.Range(0, rows).Select(_ => rng.Next(cols)).ToArray();
        float[] stats0 = [0.5f, 3f]; // the op adds to the stats
        float scale = 1f / rows;
        var expected = ReferenceOps.SoftmaxCrossEntropy(logits, labels, rows, cols, scale);

        using var z = dev.Upload<float>(logits);
        using var l = dev.Upload<int>(labels);
        using var p = alias ? null : dev.Upload<float>(Filled(rows * cols, float.NaN));
        using var g = grad ? dev.Upload<float>(Filled(rows * cols, float.NaN)) : null;
        using var s = dev.Upload<float>(stats0);
        var probabilities = p ?? z;
        dev.SoftmaxCrossEntropy(z, l, rows, cols, probabilities, g, scale, s);
        var stats = s.ToArray();

        yield return Row("softmax_xent probabilities", shape, probabilities.ToArray(), expected.Probabilities, SoftmaxBound);
        if (g is not null) yield return Row("softmax_xent gradient", shape, g.ToArray(), expected.Gradient, SoftmaxBound);
        yield return Row("softmax_xent loss", shape, [stats[0]], [stats0[0] + expected.LossSum], LossBound);
        yield return Row("softmax_xent correct", shape, [stats[1]], [stats0[1] + expected.Correct], ExactBound);
    }
}

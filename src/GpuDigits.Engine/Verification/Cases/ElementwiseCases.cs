using GpuDigits.Engine.Verification.Reference;
using static GpuDigits.Engine.Verification.Comparison;
using static GpuDigits.Engine.Verification.KernelTolerances;

namespace GpuDigits.Engine.Verification.Cases;

/// <summary>Bias add, activations forward and backward (also in place), and column sums.</summary>
internal static class ElementwiseCases
{
    private static readonly int[] Counts = [1, 7, 33, 127, 129, 785, 128 * 128, 100_003];

    public static IEnumerable<VerificationCase> All()
    {
        foreach (var (rows, cols) in new[] { (1, 1), (7, 33), (129, 127), (128, 785), (128, 10) })
            yield return new VerificationCase("bias_add", $"{rows}x{cols}", (dev, rng) =>
            {
                var x = rng.Uniform(rows * cols);
                var bias = rng.Uniform(cols);
                var got = On(dev, x, buf => dev.BiasAdd(buf(x), buf(bias), rows, cols));
                return [Row("bias_add", $"{rows}x{cols}", got, ReferenceOps.BiasAdd(x, bias, rows, cols), ElementwiseBound)];
            });

        foreach (var act in Enum.GetValues<Activation>())
        {
            foreach (var count in Counts) yield return Activations(act, count, inPlace: false);
            yield return Activations(act, 785, inPlace: true); // x aliases y, dx aliases dy, as the layers use them
        }

        (int Rows, int Cols, float Beta)[] sums =
            [(1, 1, 0f), (7, 33, 0f), (128, 10, 0f), (128, 128, 0f), (129, 785, 0f), (785, 127, 0.5f), (128, 10, 1f), (1000, 7, 0f), (0, 7, 0.5f)];
        foreach (var (rows, cols, beta) in sums)
        {
            string shape = $"{rows}x{cols}{(beta != 0f ? $" beta={beta}" : " sums=NaN")}";
            yield return new VerificationCase("column_sums", shape, (dev, rng) =>
            {
                var x = rng.Uniform(rows * cols);
                var s = beta == 0f ? Filled(cols, float.NaN) : rng.Uniform(cols);
                var expected = ReferenceOps.ColumnSums(x, rows, cols, beta == 0f ? null : s, beta);
                var got = On(dev, s, buf => dev.ColumnSums(buf(x), rows, cols, buf(s), beta));
                return [Row("column_sums", shape, got, expected.Values, SumBound, expected.Magnitudes)];
            });
        }
    }

    /// <summary>Forward on inputs in [-6, 6]; backward through outputs of the right range, y = f(x) rounded to float.</summary>
    private static VerificationCase Activations(Activation act, int count, bool inPlace)
    {
        // Piecewise-linear activations are exact up to the float rounding of their inputs; smooth ones go through exp.
        var tol = act is Activation.None or Activation.Relu ? ElementwiseBound : SmoothBound;
        string shape = $"{count}{(inPlace ? " in place" : "")}";
        return new VerificationCase($"activation {act.ToName()}", shape, (dev, rng) =>
        {
            var x = rng.Uniform(count, -6f, 6f);
            var y = inPlace ? x : Filled(count, float.NaN);
            var forward = ReferenceOps.ActivationForward(act, x, count);
            var got = On(dev, y, buf => dev.ActivationForward(act, buf(x), buf(y), count));

            var fy = Array.ConvertAll(forward, v => (float)v);
            var dy = rng.Uniform(count);
            var dx = inPlace ? dy : Filled(count, float.NaN);
            var backward = ReferenceOps.ActivationBackward(act, fy, dy, count);
            var gotBack = On(dev, dx, buf => dev.ActivationBackward(act, buf(fy), buf(dy), buf(dx), count));
            return [Row($"activation_forward {act.ToName()}", shape, got, forward, tol),
                    Row($"activation_backward {act.ToName()}", shape, gotBack, backward, tol)];
        });
    }
}

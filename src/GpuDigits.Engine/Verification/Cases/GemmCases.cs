using GpuDigits.Engine.Verification.Reference;
using static GpuDigits.Engine.Verification.Comparison;
using static GpuDigits.Engine.Verification.KernelTolerances;

namespace GpuDigits.Engine.Verification.Cases;

/// <summary>GEMM cases: awkward sizes in every transpose form, the network's own shapes, and the epilogue's variants.</summary>
internal static class GemmCases
{
    public static IEnumerable<VerificationCase> All(TrainingShapes? training)
    {
        (int M, int N, int K)[] awkward = [(1, 1, 1), (7, 33, 129), (127, 129, 33), (129, 127, 785), (33, 785, 7), (1, 785, 127), (785, 1, 129)];
        foreach (var (m, n, k) in awkward)
            foreach (var ta in new[] { false, true })
                foreach (var tb in new[] { false, true })
                    yield return Case(ta, tb, m, n, k, 1f, 0f, bias: false, Activation.None);

        foreach (var g in training?.Gemms ?? [])
            yield return Case(g.TransA, g.TransB, g.M, g.N, g.K, 1f, 0f, g.Bias, g.Activation);

        // The epilogue: alpha, beta (accumulate), bias and each activation; k = 0; NaN in C with beta = 0.
        yield return Case(false, false, 33, 129, 127, 0.5f, -0.75f, true, Activation.Sigmoid);
        yield return Case(true, true, 129, 33, 7, -1.25f, 1f, true, Activation.Tanh);
        yield return Case(false, true, 127, 785, 33, 1f, 1f, false, Activation.Relu);
        yield return Case(true, false, 7, 33, 0, 1f, 0.5f, true, Activation.Tanh);
        yield return Case(false, false, 65, 63, 17, 1f, 0f, true, Activation.Sigmoid, nanC: true);
    }

    private static VerificationCase Case(bool ta, bool tb, int m, int n, int k, float alpha, float beta, bool bias, Activation act,
        bool nanC = false)
    {
        string shape = new GemmShape(ta, tb, m, n, k, bias, act) +
                       (alpha != 1f ? $" alpha={alpha}" : "") + (beta != 0f ? $" beta={beta}" : "") + (nanC ? " C=NaN" : "");
        return new VerificationCase("gemm", shape, (dev, rng) =>
        {
            var a = rng.Uniform(m * k);
            var b = rng.Uniform(k * n);
            var c = nanC ? Filled(m * n, float.NaN) : rng.Uniform(m * n);
            var bv = bias ? rng.Uniform(n) : null;
            var expected = ReferenceOps.Gemm(ta, tb, m, n, k, alpha, a, b, beta, beta == 0f ? null : c, bv, act);
            var got = On(dev, c, buf => dev.Gemm(ta, tb, m, n, k, alpha, buf(a), buf(b), beta, buf(c), bv is null ? null : buf(bv), act));
            return [Row("gemm", shape, got, expected.Values, GemmBound, expected.Magnitudes)];
        });
    }
}

using GpuDigits.Engine.Verification.Reference;
using static GpuDigits.Engine.Verification.Comparison;
using static GpuDigits.Engine.Verification.KernelTolerances;

namespace GpuDigits.Engine.Verification.Cases;

/// <summary>
/// One SGD-with-momentum or Adam step from seeded state, its scalars read from device memory; every updated tensor is
/// compared with the reference's step on the same state.
/// </summary>
internal static class OptimizerCases
{
    public static IEnumerable<VerificationCase> All()
    {
        foreach (var count in new[] { 1, 7, 785, 100_480 })
            yield return Sgd(count);
        foreach (var (count, step) in new[] { (1, 1), (7, 2), (785, 10), (100_480, 1000), (100_480, 10) })
            yield return Adam(count, step);
    }

    private static VerificationCase Sgd(int count)
    {
        const float lr = 0.05f, momentum = 0.9f;
        string shape = $"{count}";
        return new VerificationCase("sgd_momentum", shape, (dev, rng) =>
        {
            var (p, g, v) = (rng.Uniform(count), rng.Uniform(count), rng.Uniform(count, -0.1f, 0.1f));
            var (rp, rv) = (Widen(p), Widen(v));
            ReferenceOps.SgdMomentum(rp, Widen(g), rv, lr, momentum);

            using var bp = dev.Upload<float>(p);
            using var bg = dev.Upload<float>(g);
            using var bv = dev.Upload<float>(v);
            // SGD reads only the learning rate: the other slots hold NaN, which would show if it read them.
            using var scalars = dev.Upload<float>([lr, float.NaN, float.NaN]);
            dev.SgdMomentumUpdate(bp, bg, bv, count, scalars, momentum);
            return [Row("sgd_momentum param", shape, bp.ToArray(), rp, OptimizerBound, UpdateScale(Widen(p), rp)),
                    Row("sgd_momentum velocity", shape, bv.ToArray(), rv, OptimizerBound, UpdateScale(Widen(v), rv))];
        });
    }

    private static VerificationCase Adam(int count, int step)
    {
        const float lr = 1e-3f, beta1 = 0.9f, beta2 = 0.999f, epsilon = 1e-8f;
        string shape = $"{count} step {step}";
        return new VerificationCase("adam", shape, (dev, rng) =>
        {
            var (p, g) = (rng.Uniform(count), rng.Uniform(count));
            var (m, v) = (rng.Uniform(count, -0.1f, 0.1f), rng.Uniform(count, 0f, 0.01f));
            var (rp, rm, rv) = (Widen(p), Widen(m), Widen(v));
            ReferenceOps.Adam(rp, Widen(g), rm, rv, lr, beta1, beta2, epsilon, step);

            using var bp = dev.Upload<float>(p);
            using var bg = dev.Upload<float>(g);
            using var bm = dev.Upload<float>(m);
            using var bv = dev.Upload<float>(v);
            using var scalars = dev.Upload<float>(OptimizerScalars.Adam(lr, beta1, beta2, step));
            dev.AdamUpdate(bp, bg, bm, bv, count, beta1, beta2, epsilon, scalars);
            return [Row("adam param", shape, bp.ToArray(), rp, OptimizerBound, UpdateScale(Widen(p), rp)),
                    Row("adam m", shape, bm.ToArray(), rm, OptimizerBound, UpdateScale(Widen(m), rm)),
                    Row("adam v", shape, bv.ToArray(), rv, OptimizerBound, UpdateScale(Widen(v), rv))];
        });
    }
}

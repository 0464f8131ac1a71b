using GpuDigits.Engine.Verification.Reference;
using static GpuDigits.Engine.Verification.Comparison;
using static GpuDigits.Engine.Verification.KernelTolerances;

namespace GpuDigits.Engine.Verification.Cases;

/// <summary>
/// One SGD-with-momentum or Adam step from seeded state, its scalars passed by value or (as a recorded step reads
/// them) from device memory; every updated tensor is compared with the reference's step on the same state.
/// </summary>
internal static class OptimizerCases
{
    public static IEnumerable<VerificationCase> All()
    {
        foreach (var count in new[] { 1, 7, 785, 100_480 })
            yield return Sgd(count, scalarsOnDevice: false);
        foreach (var (count, step) in new[] { (1, 1), (7, 2), (785, 10), (100_480, 1000) })
            yield return Adam(count, step, scalarsOnDevice: false);
        foreach (var count in new[] { 7, 100_480 })
        {
            yield return Sgd(count, scalarsOnDevice: true);
            yield return Adam(count, 10, scalarsOnDevice: true);
        }
    }

    private static VerificationCase Sgd(int count, bool scalarsOnDevice)
    {
        const float lr = 0.05f, momentum = 0.9f;
        string shape = $"{count}{(scalarsOnDevice ? ", learning rate in device memory" : "")}";
        return new VerificationCase("sgd_momentum", shape, (dev, rng) =>
        {
            var (p, g, v) = (rng.Uniform(count), rng.Uniform(count), rng.Uniform(count, -0.1f, 0.1f));
            var (rp, rv) = (Widen(p), Widen(v));
            ReferenceOps.SgdMomentum(rp, Widen(g), rv, lr, momentum);

            using var bp = dev.Upload<float>(p);
            using var bg = dev.Upload<float>(g);
            using var bv = dev.Upload<float>(v);
            using var scalars = dev.Upload<float>([lr, float.NaN, float.NaN]);
            if (scalarsOnDevice) dev.SgdMomentumUpdate(bp, bg, bv, count, scalars, momentum);
            else dev.SgdMomentumUpdate(bp, bg, bv, count, lr, momentum);
            return [Row("sgd_momentum param", shape, bp.ToArray(), rp, OptimizerBound, UpdateScale(Widen(p), rp)),
                    Row("sgd_momentum velocity", shape, bv.ToArray(), rv, OptimizerBound, UpdateScale(Widen(v), rv))];
        });
    }

    private static VerificationCase Adam(int count, int step, bool scalarsOnDevice)
    {
        const float lr = 1e-3f, beta1 = 0.9f, beta2 = 0.999f, epsilon = 1e-8f;
        string shape = $"{count} step {step}{(scalarsOnDevice ? ", scalars in device memory" : "")}";
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
            var (c1, c2) = OptimizerScalars.AdamBiasCorrections(beta1, beta2, step);
            using var scalars = dev.Upload<float>([lr, c1, c2]);
            if (scalarsOnDevice) dev.AdamUpdate(bp, bg, bm, bv, count, beta1, beta2, epsilon, scalars);
            else dev.AdamUpdate(bp, bg, bm, bv, count, lr, beta1, beta2, epsilon, step);
            return [Row("adam param", shape, bp.ToArray(), rp, OptimizerBound, UpdateScale(Widen(p), rp)),
                    Row("adam m", shape, bm.ToArray(), rm, OptimizerBound, UpdateScale(Widen(m), rm)),
                    Row("adam v", shape, bv.ToArray(), rv, OptimizerBound, UpdateScale(Widen(v), rv))];
        });
    }
}

using static GpuDigits.Engine.Verification.Comparison;
using static GpuDigits.Engine.Verification.KernelTolerances;

namespace GpuDigits.Engine.Verification.Cases;

/// <summary>
/// One step of every optimizer of <see cref="OptimizerCatalog"/> from seeded state, its scalars read from device
/// memory; the parameter and every state tensor are compared with the optimizer's float64 reference step on the same
/// state. Slot 0 starts in [-0.1, 0.1], slot 1 (a second moment where there is one) in [0, 0.01].
/// </summary>
internal static class OptimizerCases
{
    public static IEnumerable<VerificationCase> All()
    {
        foreach (var definition in OptimizerCatalog.All)
            foreach (var (count, step) in new[] { (1, 1), (7, 2), (785, 10), (100_480, 1000), (100_480, 10) })
                yield return Step(definition, count, step);
    }

    private static VerificationCase Step(OptimizerDefinition definition, int count, int step)
    {
        var rule = definition.Bind(new OptimizerSettings(Momentum: 0.9f));
        float lr = definition.DefaultLearningRate;
        string name = definition.OpName, shape = $"{count} step {step}";
        return new VerificationCase(name, shape, (dev, rng) =>
        {
            var (p, g) = (rng.Uniform(count), rng.Uniform(count));
            var slots = Enumerable.Range(0, definition.Slots)
                .Select(s => s == 0 ? rng.Uniform(count, -0.1f, 0.1f) : rng.Uniform(count, 0f, 0.01f)).ToArray();
            var rp = Widen(p);
            var rs = slots.Select(Widen).ToArray();
            rule.Reference(rp, Widen(g), rs, lr, step);

            using var bp = dev.Upload<float>(p);
            using var bg = dev.Upload<float>(g);
            var bs = slots.Select(s => dev.Upload<float>(s)).ToArray();
            try
            {
                using var scalars = dev.Upload<float>(rule.DeviceScalars(lr, step));
                rule.Step(dev, bp, bg, bs, count, scalars);
                return [Row($"{name} param", shape, bp.ToArray(), rp, OptimizerBound, UpdateScale(Widen(p), rp)),
                    .. definition.SlotNames.Select((slot, i) =>
                        Row($"{name} {slot}", shape, bs[i].ToArray(), rs[i], OptimizerBound, UpdateScale(Widen(slots[i]), rs[i])))];
            }
            finally
            {
                foreach (var b in bs) b.Dispose();
            }
        });
    }
}

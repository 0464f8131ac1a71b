using GpuDigits.Engine;
using GpuDigits.Engine.Cpu;
using NUnit.Framework;

namespace GpuDigits.Tests.Cpu;

/// <summary>
/// The CPU's gemm_optimizer_step steps each block of the gradient inside the GEMM (a hook after the block is stored);
/// its gradient, parameter and state must be those of the GEMM followed by the optimizer step over the whole tensor,
/// bit for bit, on every micro-kernel path (full and edge tiles, in-place and packed A, the k split of a long k,
/// k = 0) and however the tiles are shared between threads.
/// </summary>
[TestFixtureSource(typeof(GemmPathFixture), nameof(GemmPathFixture.Paths))]
public class GemmOptimizerStepTests(GemmPath path) : GemmPathFixture(path)
{

    public static IEnumerable<TestCaseData> Cases()
    {
        (int M, int N, int K)[] shapes = [(7, 10, 5), (33, 17, 129), (9, 32, 4100), (784, 128, 128), (130, 40, 300), (5, 3, 0)];
        foreach (var (m, n, k) in shapes)
            foreach (var kind in OptimizerCatalog.All.Select(d => d.Kind))
                foreach (bool transA in new[] { true, false })
                    foreach (int threads in new[] { 1, 2 })
                        yield return new TestCaseData(m, n, k, kind, transA, threads).SetArgDisplayNames($"m{m}n{n}k{k}", kind.ToString(), transA ? "T" : "N", $"threads{threads}");
    }

    [TestCaseSource(nameof(Cases))]
    public void SameBitsAsTheGemmThenTheStep(int m, int n, int k, OptimizerKind kind, bool transA, int threads)
    {
        var definition = OptimizerCatalog.Get(kind);
        var rule = definition.Bind(new OptimizerSettings(0.9f));
        var r = new Random(m * 131 + n * 17 + k + (int)kind);
        float[] Random(int count) => Enumerable.Range(0, count).Select(_ => (float)(r.NextDouble() * 2 - 1)).ToArray();
        var a = Random(Math.Max(1, m * k));
        var b = Random(Math.Max(1, k * n));
        var p = Random(m * n);
        var slots = Enumerable.Range(0, definition.Slots).Select(i => i == 0 ? Random(m * n) : Random(m * n).Select(Math.Abs).ToArray()).ToArray();
        var scalars = rule.DeviceScalars(definition.DefaultLearningRate, 4);

        using var acc = new CpuAccelerator(new CpuAcceleratorOptions { GemmPath = Kernel, Threads = threads, AlwaysSplit = true });
        float[][] Run(bool fused)
        {
            using var da = acc.Upload<float>(a);
            using var db = acc.Upload<float>(b);
            using var grad = acc.Upload<float>(Enumerable.Repeat(float.NaN, m * n).ToArray());
            using var param = acc.Upload<float>(p);
            var ds = slots.Select(s => acc.Upload<float>(s)).ToArray();
            using var dScalars = acc.Upload<float>(scalars);
            if (fused) rule.GemmStep(acc, transA, false, m, n, k, 0.5f, da, db, grad, param, ds, dScalars);
            else
            {
                acc.Gemm(transA, false, m, n, k, 0.5f, da, db, 0f, grad);
                rule.Step(acc, param, grad, ds, m * n, dScalars);
            }
            var result = new[] { grad.ToArray(), param.ToArray() }.Concat(ds.Select(s => s.ToArray())).ToArray();
            foreach (var s in ds) s.Dispose();
            return result;
        }

        var unfused = Run(fused: false);
        var fusedResult = Run(fused: true);
        string[] names = ["grad", "param", .. definition.SlotNames];
        for (int t = 0; t < names.Length; t++)
        {
            int bad = Enumerable.Range(0, m * n).FirstOrDefault(i => BitConverter.SingleToInt32Bits(unfused[t][i]) != BitConverter.SingleToInt32Bits(fusedResult[t][i]), -1);
            Assert.That(bad, Is.EqualTo(-1), () => $"{names[t]}[{bad}]: fused {fusedResult[t][bad]:G9}, unfused {unfused[t][bad]:G9}");
        }
        Assert.That(unfused[1], Is.Not.EqualTo(p), "the step changed nothing: the test would not see a missed tile");
    }
}

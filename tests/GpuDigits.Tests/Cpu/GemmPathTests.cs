using GpuDigits.Engine.Verification;
using GpuDigits.Engine.Verification.Reference;
using GpuDigits.Engine;
using GpuDigits.Engine.Cpu;
using NUnit.Framework;

namespace GpuDigits.Tests.Cpu;

/// <summary>
/// Each GEMM micro-kernel path of the CPU accelerator, forced through <see cref="CpuAcceleratorOptions.GemmPath"/>,
/// against the float64 reference: every transpose pair, edge tiles in both directions, k sliced more than once, long k split between slices and summed,
/// packed and in-place A, the row and column thread splits, beta, alpha, bias and each activation.
/// Vector512 is run natively where the machine has AVX-512 and in .NET's software emulation elsewhere (slow, but
/// it still checks the kernel's indexing, packing and epilogue).
/// </summary>
[TestFixtureSource(typeof(GemmPathFixture), nameof(GemmPathFixture.Paths))]
public class GemmPathTests(GemmPath path) : GemmPathFixture(path)
{

    private static float[] Random(Random r, int count) =>
        Enumerable.Range(0, count).Select(_ => (float)(r.NextDouble() * 2 - 1)).ToArray();

    private float[] Check(bool transA, bool transB, int m, int n, int k, int threads = 1, float alpha = 1f, float beta = 0f,
        bool withBias = false, Activation activation = Activation.None, int seed = 1)
    {
        var r = new Random(seed + m * 31 + n * 17 + k);
        var a = Random(r, m * k);
        var b = Random(r, k * n);
        var c0 = beta == 0 ? Enumerable.Repeat(float.NaN, m * n).ToArray() : Random(r, m * n);
        var bias = withBias ? Random(r, n) : null;
        using var acc = new CpuAccelerator(new CpuAcceleratorOptions { GemmPath = Kernel, Threads = threads, AlwaysSplit = true });
        Assert.That(acc.GemmPath, Is.EqualTo(Kernel));
        using var da = acc.Upload<float>(a);
        using var db = acc.Upload<float>(b);
        using var dc = acc.Upload<float>(c0);
        using var dbias = bias is null ? null : acc.Upload<float>(bias);
        acc.Gemm(transA, transB, m, n, k, alpha, da, db, beta, dc, dbias, activation);
        var got = dc.ToArray();

        var reference = ReferenceOps.Gemm(transA, transB, m, n, k, alpha, a, b, beta, beta == 0 ? null : c0, bias, activation);
        var expected = reference.Values;
        for (int i = 0; i < got.Length; i++)
        {
            double bound = KernelTolerances.Gemm * (1 + reference.Magnitudes[i]);
            if (!(Math.Abs(got[i] - expected[i]) <= bound)) // NaN (an element never written) fails too
                Assert.Fail($"{Kernel} {(transA ? "T" : "N")}{(transB ? "T" : "N")} {m}x{n}x{k} threads {threads}: " +
                            $"C[{i / n},{i % n}] = {got[i]:G9}, expected {expected[i]:G9} (bound {bound:G3})");
        }
        return got;
    }

    private static IEnumerable<(bool, bool)> Transposes() => [(false, false), (true, false), (false, true), (true, true)];

    [TestCase(1, 1, 1)]
    [TestCase(7, 5, 3)]
    [TestCase(6, 16, 40)]
    [TestCase(8, 32, 17)]
    [TestCase(13, 37, 29)]
    [TestCase(33, 70, 300)]   // k cut into two slices
    [TestCase(200, 20, 9)]    // more rows than one MC block
    [TestCase(5, 1100, 7)]    // more columns than one NC block
    public void EveryTransposeMatchesTheReference(int m, int n, int k)
    {
        foreach (var (ta, tb) in Transposes()) Check(ta, tb, m, n, k);
    }

    [Test]
    public void PackedAMatchesTheReference()
    {
        // A leading dimension of 256 floats (1 KB) makes the driver pack A rather than read it in place.
        foreach (var (ta, tb) in Transposes()) Check(ta, tb, ta ? 256 : 20, 19, ta ? 20 : 256);
        foreach (var (ta, tb) in Transposes()) Check(ta, tb, 256, 40, 256);
    }

    [Test]
    public void BetaAlphaBiasAndActivationsAreFusedCorrectly()
    {
        foreach (var act in Enum.GetValues<Activation>())
        {
            Check(false, false, 14, 35, 300, alpha: 0.5f, beta: 0.75f, withBias: true, activation: act);
            Check(true, false, 9, 18, 5, alpha: -1.25f, beta: 1f, withBias: true, activation: act);
            Check(false, true, 12, 48, 64, beta: 0f, withBias: true, activation: act);
        }
    }

    [Test]
    public void NarrowProductsMatchTheReference()
    {
        // At most 16 columns: on Vector512 the 8 x 16 kernel; every tile an edge tile when n < 16.
        foreach (var (ta, tb) in Transposes())
        {
            Check(ta, tb, 128, 10, 128);
            Check(ta, tb, 33, 16, 300);                 // k in two slices, full-width tiles
            Check(ta, tb, ta ? 256 : 20, 10, ta ? 20 : 256); // packed A
        }
        foreach (var act in Enum.GetValues<Activation>())
            Check(false, false, 129, 10, 128, alpha: 0.5f, beta: 0.75f, withBias: true, activation: act);
        Check(true, false, 784, 10, 300, threads: 2);
        Check(false, false, 400, 13, 700, threads: 2, withBias: true, activation: Activation.Relu);
    }

    [Test]
    public void ZeroDepthAppliesOnlyTheEpilogue()
    {
        Check(false, false, 5, 9, 0, beta: 0.5f, withBias: true, activation: Activation.Relu);
        Check(false, false, 5, 9, 0, beta: 0f, withBias: true, activation: Activation.Tanh);
    }

    [Test]
    public void LongDepthIsSplitAlongKTheSameWayOnAnyThreadCount()
    {
        // A small C over a long k (a convolution's weight gradient) is cut into k slices whose partial products are
        // summed in slice order: right against the reference, and the same bits on 1, 2 or 3 threads.
        foreach (var (ta, tb) in Transposes())
        {
            var one = Check(ta, tb, 9, 32, 5003, threads: 1);
            Assert.That(Check(ta, tb, 9, 32, 5003, threads: 2), Is.EqualTo(one), "2 threads");
            Assert.That(Check(ta, tb, 9, 32, 5003, threads: 3), Is.EqualTo(one), "3 threads");
        }
        foreach (var act in Enum.GetValues<Activation>())
            Check(false, true, 13, 10, 3001, threads: 2, alpha: 0.5f, beta: 0.75f, withBias: true, activation: act);
        Check(true, false, 17, 40, 8300, threads: 2, alpha: -1.5f, beta: 1f, withBias: true); // the most slices
    }

    [Test]
    public void ThreadSplitsMatchTheReference()
    {
        // Large enough to be split (a few million multiply-adds): by rows for a tall C, by columns for a wide one.
        Check(true, false, 400, 40, 300, threads: 2);
        Check(false, false, 40, 400, 300, threads: 2, withBias: true, activation: Activation.Relu);
        Check(false, true, 130, 130, 260, threads: 2, beta: 0.5f);
        Check(true, true, 131, 131, 400, threads: 3);
    }
}

/// <summary>A fixture run once per GEMM micro-kernel path; Vector256 is skipped where the machine lacks it.</summary>
public abstract class GemmPathFixture(GemmPath path)
{
    /// <summary>The paths a derived fixture runs under (its <c>TestFixtureSource</c>).</summary>
    public static readonly GemmPath[] Paths = [GemmPath.Scalar, GemmPath.Vector256, GemmPath.Vector512];

    /// <summary>The path this fixture forces.</summary>
    protected GemmPath Kernel { get; } = path;

    [OneTimeSetUp]
    public void RequireSupport()
    {
        if (Kernel == GemmPath.Vector256 && !System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated)
            Assert.Ignore("Vector256 is not hardware accelerated on this machine.");
    }
}

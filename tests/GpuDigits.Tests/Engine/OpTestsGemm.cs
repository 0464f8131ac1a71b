using GpuDigits.Engine.Verification;
using GpuDigits.Engine;
using GpuDigits.Engine.Verification.Reference;
using NUnit.Framework;

namespace GpuDigits.Tests.Engine;

/// <summary>gemm: C = act(alpha * op(A) op(B) + beta * C + bias) against the float64 reference.</summary>
[TestFixture]
public sealed class GemmOpTests : AcceleratorFixture
{
    /// <summary>op(A) is M x K, op(B) is K x N, C is M x N.</summary>
    public sealed record Shape(int M, int N, int K)
    {
        public override string ToString() => $"m{M}n{N}k{K}";
    }

    public static readonly Shape[] Shapes =
    [
        new(1, 1, 1),
        new(1, 129, 33),     // m = 1
        new(127, 1, 7),      // n = 1
        new(33, 7, 1),       // k = 1
        new(7, 33, 127),
        new(129, 127, 33),
        new(33, 65, 257),    // k just past a 256-deep slice
        new(7, 10, 521),     // k prime, two slices and a remainder
        new(65, 17, 785),
        new(9, 32, 4100),    // small C over a long k: split along k on the CPU
        // training shapes of a 784-128-10 MLP with batch 128
        new(128, 128, 784),  // forward 1: X W1
        new(784, 128, 128),  // dW1 = X^T dH
        new(128, 784, 128),
        new(128, 10, 128),   // forward 2, dW2
        new(128, 128, 10),   // dH = dY W2^T
    ];

    public static readonly Shape[] EpilogueShapes = [new(7, 33, 127), new(65, 129, 300)];

    public static readonly (float Alpha, float Beta)[] Scalings =
        [(1f, 1f), (0.5f, -2f), (-1.5f, 0.25f), (2f, 0f), (0f, 1f), (0f, 0f)];

    [Test]
    public void ProductMatchesReference(
        [ValueSource(typeof(TestAccelerators), nameof(TestAccelerators.Selected))] string device,
        [ValueSource(nameof(Shapes))] Shape shape, [Values] bool transA, [Values] bool transB)
    {
        // beta = 0 with C full of NaN: C must not be read.
        Run(device, shape, transA, transB, alpha: 1f, beta: 0f, withBias: false, Activation.None);
    }

    [Test]
    public void AlphaBetaVariants(
        [ValueSource(typeof(TestAccelerators), nameof(TestAccelerators.Selected))] string device,
        [ValueSource(nameof(Scalings))] (float Alpha, float Beta) scaling, [Values] bool transA, [Values] bool transB)
    {
        Run(device, new Shape(33, 65, 257), transA, transB, scaling.Alpha, scaling.Beta, withBias: false, Activation.None);
    }

    [Test]
    public void BiasAndActivationEpilogue(
        [ValueSource(typeof(TestAccelerators), nameof(TestAccelerators.Selected))] string device,
        [ValueSource(nameof(EpilogueShapes))] Shape shape, [Values] Activation activation, [Values] bool withBias,
        [Values] bool transB)
    {
        Run(device, shape, transA: false, transB, alpha: 1f, beta: 0.75f, withBias, activation);
    }

    [Test]
    public void EpilogueWithoutProductWhenKIsZero(
        [ValueSource(typeof(TestAccelerators), nameof(TestAccelerators.Selected))] string device,
        [Values] Activation activation, [Values(0f, 0.5f)] float beta)
    {
        Run(device, new Shape(7, 33, 0), transA: false, transB: false, alpha: 1f, beta, withBias: true, activation);
    }

    private void Run(string device, Shape shape, bool transA, bool transB, float alpha, float beta, bool withBias,
        Activation activation)
    {
        var accelerator = Device(device);
        var (m, n, k) = (shape.M, shape.N, shape.K);
        int seed = DeviceData.Seed(m, n, k, transA ? 1 : 0, transB ? 1 : 0, (int)activation);
        // Inputs are uniform in [-1, 1]; with k = 0 the A and B buffers still get one element (never read).
        var a = DeviceData.Uniform(seed, Math.Max(1, m * k));
        var b = DeviceData.Uniform(seed + 1, Math.Max(1, k * n));
        var bias = withBias ? DeviceData.Uniform(seed + 2, n, -2f, 2f) : null;
        var c = beta == 0f ? DeviceData.Filled(m * n, float.NaN) : DeviceData.Uniform(seed + 3, m * n, -3f, 3f);

        var expected = ReferenceOps.Gemm(transA, transB, m, n, k, alpha, a, b, beta, beta == 0f ? null : c, bias, activation);

        using var da = accelerator.Upload<float>(a);
        using var db = accelerator.Upload<float>(b);
        using var dBias = bias is null ? null : accelerator.Upload<float>(bias);
        using var dc = DeviceData.Guarded(accelerator, c);
        accelerator.Gemm(transA, transB, m, n, k, alpha, da, db, beta, dc, dBias, activation);
        var actual = DeviceData.ReadGuarded(dc, "C");

        Verify.Summed("C", actual, expected, KernelTolerances.Gemm, KernelTolerances.Gemm);
        DeviceData.Unchanged(da, a, "A");
        DeviceData.Unchanged(db, b, "B");
        if (dBias is not null) DeviceData.Unchanged(dBias, bias!, "bias");
    }
}

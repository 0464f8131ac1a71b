using GpuDigits.Kernels;
using GpuDigits.Engine;
using GpuDigits.Engine.Cpu;
using NUnit.Framework;

namespace GpuDigits.Tests.Cpu;

/// <summary>
/// The CPU accelerator's rewritten one-pass ops (gather, fused softmax cross-entropy, optimizer updates split over
/// threads, ReLU backward) against float64 references, at sizes that take both the single-thread and the split paths.
/// Tolerances are the contract's (kernels/README.md).
/// </summary>
[TestFixture(1)]
[TestFixture(2)]
public class CpuFusedOpsTests(int threads)
{
    private CpuAccelerator _acc = null!;

    [SetUp]
    public void Open() => _acc = new CpuAccelerator(new CpuAcceleratorOptions { Threads = threads, AlwaysSplit = true });

    [TearDown]
    public void Close() => _acc.Dispose();

    private static float[] Floats(Random r, int count, double scale = 1) =>
        Enumerable.Range(0, count).Select(_ => (float)((r.NextDouble() * 2 - 1) * scale)).ToArray();

    private static void Close(double expected, float actual, double relative, double absolute, string what)
    {
        if (!(Math.Abs(actual - expected) <= relative * Math.Abs(expected) + absolute))
            Assert.Fail($"{what}: got {actual:G9}, expected {expected:G9}");
    }

    [TestCase(5, 7, 1)]
    [TestCase(128, 784, 3)]   // 100k values: split over the team
    [TestCase(3, 29, 0)]      // row length not a multiple of 16
    public void GatherNormalizesTheIndexedRows(int count, int features, int start)
    {
        var r = new Random(count + features);
        int samples = count + start + 9;
        var images = new byte[samples * features];
        r.NextBytes(images);
        var labels = Enumerable.Range(0, samples).Select(i => (byte)(i % 10)).ToArray();
        var order = Enumerable.Range(0, samples).OrderBy(_ => r.Next()).ToArray();
        const float mean = 0.1307f, invStd = 1 / 0.3081f;
        using var di = _acc.Upload<byte>(images);
        using var dl = _acc.Upload<byte>(labels);
        using var dorder = _acc.Upload<int>(order);
        using var x = _acc.Allocate<float>(count * features);
        using var y = _acc.Allocate<int>(count);
        using var at = _acc.Upload<int>([start]);
        _acc.GatherBatch(di, dl, dorder, at, count, features, mean, invStd, x, y);
        var xs = x.ToArray();
        var ys = y.ToArray();
        for (int row = 0; row < count; row++)
        {
            int s = order[start + row];
            Assert.That(ys[row], Is.EqualTo(labels[s]));
            for (int f = 0; f < features; f++)
                Close((images[s * features + f] / 255.0 - mean) * invStd, xs[row * features + f], 1e-5, 1e-6, $"x[{row},{f}]");
        }
    }

    [TestCase(1, 1, false)]
    [TestCase(128, 10, false)]
    [TestCase(37, 13, true)]  // probabilities written over the logits
    public void SoftmaxCrossEntropyMatchesTheReference(int rows, int cols, bool alias)
    {
        var r = new Random(rows * cols);
        var logits = Floats(r, rows * cols, 8);
        if (rows > 1) logits[cols + cols / 2] = logits[cols]; // a tie: the first arg-max counts
        var labels = Enumerable.Range(0, rows).Select(i => r.Next(cols)).ToArray();
        using var dz = _acc.Upload<float>(logits);
        using var dlab = _acc.Upload<int>(labels);
        using var probs = alias ? dz : _acc.Allocate<float>(rows * cols);
        using var grad = _acc.Allocate<float>(rows * cols);
        using var stats = _acc.Upload<float>([1f, 2f]);
        float scale = 1f / rows;
        _acc.SoftmaxCrossEntropy(dz, dlab, rows, cols, probs, grad, scale, stats);
        var p = probs.ToArray();
        var g = grad.ToArray();
        var st = stats.ToArray();

        double loss = 0;
        int correct = 0;
        for (int i = 0; i < rows; i++)
        {
            double max = double.NegativeInfinity, sum = 0;
            int arg = 0;
            for (int c = 0; c < cols; c++) if (logits[i * cols + c] > max) { max = logits[i * cols + c]; arg = c; }
            for (int c = 0; c < cols; c++) sum += Math.Exp(logits[i * cols + c] - max);
            for (int c = 0; c < cols; c++)
            {
                double pc = Math.Exp(logits[i * cols + c] - max) / sum;
                Close(pc, p[i * cols + c], 1e-5, 1e-6, $"p[{i},{c}]");
                Close(scale * (pc - (c == labels[i] ? 1 : 0)), g[i * cols + c], 1e-5, 1e-6, $"g[{i},{c}]");
            }
            loss += -Math.Log(Math.Max(Math.Exp(logits[i * cols + labels[i]] - max) / sum, 1e-30));
            if (arg == labels[i]) correct++;
        }
        Close(1 + loss, st[0], 1e-4, 1e-6, "loss sum");
        Assert.That(st[1], Is.EqualTo(2 + correct));
    }

    [TestCase(13)]
    [TestCase(100_352)]  // W1 of the default model: split over the team
    public void SgdMomentumMatchesTheReference(int count)
    {
        var r = new Random(count);
        var p0 = Floats(r, count);
        var g = Floats(r, count);
        var v0 = Floats(r, count);
        using var p = _acc.Upload<float>(p0);
        using var dg = _acc.Upload<float>(g);
        using var v = _acc.Upload<float>(v0);
        using var scalars = _acc.Upload<float>([0.05f, 0f, 0f]);
        _acc.OptimizerStep(new SgdMomentumRule { Momentum = 0.9f }, p, dg, [v], count, scalars);
        var ps = p.ToArray();
        var vs = v.ToArray();
        for (int i = 0; i < count; i++)
        {
            double vv = 0.9 * (double)v0[i] + g[i];
            Close(vv, vs[i], 1e-5, 1e-6, $"v[{i}]");
            Close(p0[i] - 0.05 * vv, ps[i], 1e-5, 1e-6, $"p[{i}]");
        }
    }

    [TestCase(13, 1)]
    [TestCase(100_352, 7)]
    public void AdamMatchesTheReference(int count, int step)
    {
        var r = new Random(count + step);
        var p0 = Floats(r, count);
        var g = Floats(r, count);
        var m0 = Floats(r, count, 0.1);
        var v0 = Floats(r, count, 0.01).Select(Math.Abs).ToArray();
        using var p = _acc.Upload<float>(p0);
        using var dg = _acc.Upload<float>(g);
        using var m = _acc.Upload<float>(m0);
        using var v = _acc.Upload<float>(v0);
        // The reference uses the float32 values of the hyper-parameters the op receives.
        double b1 = 0.9f, b2 = 0.999f, eps = 1e-8f, lr = 1e-3f;
        var rule = new AdamRule { Beta1 = (float)b1, Beta2 = (float)b2, Epsilon = (float)eps };
        using var scalars = _acc.Upload<float>(OptimizerCatalog.Get(OptimizerKind.Adam).Bind(new()).DeviceScalars((float)lr, step));
        _acc.OptimizerStep(rule, p, dg, [m, v], count, scalars);
        var ps = p.ToArray();
        var ms = m.ToArray();
        var vs = v.ToArray();
        for (int i = 0; i < count; i++)
        {
            double mm = b1 * m0[i] + (1 - b1) * g[i];
            double vv = b2 * v0[i] + (1 - b2) * g[i] * (double)g[i];
            double update = lr * (mm / (1 - Math.Pow(b1, step))) / (Math.Sqrt(vv / (1 - Math.Pow(b2, step))) + eps);
            Close(mm, ms[i], 1e-5, 1e-7, $"m[{i}]");
            Close(vv, vs[i], 1e-5, 1e-9, $"v[{i}]");
            Close(p0[i] - update, ps[i], 1e-5, 1e-6, $"p[{i}]");
        }
    }

    [TestCase(1)]
    [TestCase(16_389)]
    public void ReluBackwardPassesTheGradientWhereTheOutputIsPositive(int count)
    {
        var r = new Random(count);
        var y = Floats(r, count).Select(v => v < -0.3f ? 0f : Math.Max(v, 0f)).ToArray();
        var dy = Floats(r, count);
        using var dyv = _acc.Upload<float>(y);
        using var ddy = _acc.Upload<float>(dy);
        using var dx = _acc.Allocate<float>(count);
        _acc.ActivationBackward(Activation.Relu, dyv, ddy, dx, count);
        var got = dx.ToArray();
        for (int i = 0; i < count; i++) Assert.That(got[i], Is.EqualTo(y[i] > 0 ? dy[i] : 0f), $"dx[{i}]");
    }
}

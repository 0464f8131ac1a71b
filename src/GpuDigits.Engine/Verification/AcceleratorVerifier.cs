using GpuDigits.Engine.Cpu;

namespace GpuDigits.Engine.Verification;

/// <summary>
/// An error bound of the form |device - reference| &lt;= Absolute + Relative * scale, per element, where scale is
/// |reference| for elementwise results, and for reductions (GEMM, column sums) the sum of the magnitudes of the terms
/// (|alpha| sum_p |a_ip b_pj| + |beta c_ij| + |bias_j|), as kernels/README.md states them.
/// </summary>
public sealed record VerificationTolerance(double Absolute, double Relative, string Description)
{
    public override string ToString() => Description;
}

/// <summary>
/// One compared quantity of one op on one shape.
/// <see cref="MaxRelError"/> is the largest |device - reference| / max(scale, Absolute / Relative) (so values near
/// zero, where the absolute bound rules, do not blow it up); <see cref="ToleranceUsed"/> is the largest ratio of an
/// element's error to its bound: the row passes when it is at most 1 (and no NaN appears on one side only).
/// </summary>
public sealed record VerificationRow(
    string Op,
    string Shape,
    double MaxAbsError,
    double MaxRelError,
    VerificationTolerance Tolerance,
    double ToleranceUsed,
    bool Passed);

/// <summary>
/// The GEMM shapes of training a dense network, which the caller (who knows the network) hands the verifier:
/// layer widths including input and output (784, 128, 128, 10 for the default MLP), the batch, and a ragged final
/// batch. Per layer: the forward product with bias and activation (ReLU inside, none at the output), the weight
/// gradient (X^T dY), and, from the second layer on, the input gradient (dY W^T).
/// </summary>
public sealed record TrainingShapes(IReadOnlyList<int> Widths, int Batch, int RaggedBatch)
{
    public override string ToString() => $"{string.Join("-", Widths)} at batch {Batch}";
}

/// <summary>
/// Runs every op of the contract on a device and on a reference (the managed CPU backend unless another is
/// given) with identical seeded inputs, over awkward shapes (1, 7, 33, 127, 129, 785, ...) and the training shapes the
/// caller gives, and compares the results with the tolerances of kernels/README.md. Backs
/// <c>gpudigits verify --device X</c> and the backend tests.
/// </summary>
public static class AcceleratorVerifier
{
    private static readonly VerificationTolerance GemmTol = new(KernelTolerances.Gemm, KernelTolerances.Gemm, $"{KernelTolerances.Gemm:0e0} (1 + sum |terms|)");
    private static readonly VerificationTolerance ElementTol = new(KernelTolerances.ElementwiseAbsolute, KernelTolerances.ElementwiseRelative,
        $"{KernelTolerances.ElementwiseRelative:0e0} rel + {KernelTolerances.ElementwiseAbsolute:0e0} abs");
    private static readonly VerificationTolerance SmoothTol = new(KernelTolerances.SmoothAbsolute, KernelTolerances.ElementwiseRelative,
        $"{KernelTolerances.ElementwiseRelative:0e0} rel + {KernelTolerances.SmoothAbsolute:0e0} abs");
    private static readonly VerificationTolerance SoftmaxTol = new(KernelTolerances.Softmax, 0, $"{KernelTolerances.Softmax:0e0} abs");
    private static readonly VerificationTolerance LossTol = new(0, KernelTolerances.LossRelative, $"{KernelTolerances.LossRelative:0e0} rel");
    private static readonly VerificationTolerance OptimizerTol = new(KernelTolerances.OptimizerAbsoluteFloor, KernelTolerances.Optimizer,
        $"{KernelTolerances.Optimizer:0e0} rel (+{KernelTolerances.OptimizerAbsoluteFloor:0e0} abs floor)");
    private static readonly VerificationTolerance Exact = new(0, 0, "exact");

    /// <summary>
    /// Verifies <paramref name="device"/> against <paramref name="reference"/> (a new managed CPU backend when null) and
    /// returns one row per compared quantity; <paramref name="onRow"/> sees each row as soon as it is known.
    /// </summary>
    public static IReadOnlyList<VerificationRow> Run(Accelerator device, TrainingShapes? training, Accelerator? reference = null,
        Action<VerificationRow>? onRow = null, int seed = 1234)
    {
        ArgumentNullException.ThrowIfNull(device);
        var ownReference = reference is null;
        var refAcc = reference ?? new CpuAccelerator();
        try
        {
            var session = new VerificationRun(device, refAcc, new Random(seed), onRow, training);
            session.RunAll();
            return session.Rows;
        }
        finally
        {
            if (ownReference) refAcc.Dispose();
        }
    }

    private sealed class VerificationRun(Accelerator dev, Accelerator refAcc, Random rng, Action<VerificationRow>? onRow, TrainingShapes? training)
    {
        private static readonly int[] Counts = [1, 7, 33, 127, 129, 785, 128 * 128, 100_003];

        public List<VerificationRow> Rows { get; } = [];

        public void RunAll()
        {
            Gemms();
            BiasAdds();
            Activations();
            Softmaxes();
            ColumnSums();
            Optimizers();
            Gathers();
            Convolutions();
            Fills();
            DeviceArguments();
            CapturedSteps();
        }

        // ---------------------------------------------------------------- GEMM

        private void Gemms()
        {
            (int M, int N, int K)[] awkward = [(1, 1, 1), (7, 33, 129), (127, 129, 33), (129, 127, 785), (33, 785, 7), (1, 785, 127), (785, 1, 129)];
            foreach (var (m, n, k) in awkward)
                foreach (var ta in new[] { false, true })
                    foreach (var tb in new[] { false, true })
                        Gemm(ta, tb, m, n, k, 1f, 0f, bias: false, Activation.None);

            // The caller's network: forward (A x W + bias, act), one ragged final batch, weight gradients (X^T dY),
            // input gradients (dY W^T).
            if (training is { Widths: var w, Batch: int batch })
            {
                for (int l = 0; l + 1 < w.Count; l++)
                    Gemm(false, false, batch, w[l + 1], w[l], 1f, 0f, true, l + 2 < w.Count ? Activation.Relu : Activation.None);
                if (w.Count > 1) Gemm(false, false, training.RaggedBatch, w[1], w[0], 1f, 0f, true, w.Count > 2 ? Activation.Relu : Activation.None);
                for (int l = 0; l + 1 < w.Count; l++)
                    Gemm(true, false, w[l], w[l + 1], batch, 1f, 0f, false, Activation.None);
                for (int l = 1; l + 1 < w.Count; l++)
                    Gemm(false, true, batch, w[l], w[l + 1], 1f, 0f, false, Activation.None);
            }

            // The epilogue: alpha, beta (accumulate), bias and each activation; k = 0; NaN in C with beta = 0.
            Gemm(false, false, 33, 129, 127, 0.5f, -0.75f, true, Activation.Sigmoid);
            Gemm(true, true, 129, 33, 7, -1.25f, 1f, true, Activation.Tanh);
            Gemm(false, true, 127, 785, 33, 1f, 1f, false, Activation.Relu);
            Gemm(true, false, 7, 33, 0, 1f, 0.5f, true, Activation.Tanh);
            Gemm(false, false, 65, 63, 17, 1f, 0f, true, Activation.Sigmoid, nanC: true);
        }

        private void Gemm(bool ta, bool tb, int m, int n, int k, float alpha, float beta, bool bias, Activation act, bool nanC = false)
        {
            var a = Uniform(m * k);
            var b = Uniform(k * n);
            var c = nanC ? Filled(m * n, float.NaN) : Uniform(m * n);
            var bv = bias ? Uniform(n) : null;

            var scale = new double[m * n];
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    double s = 0;
                    for (int p = 0; p < k; p++)
                        s += Math.Abs((double)(ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]));
                    s *= Math.Abs(alpha);
                    if (beta != 0f) s += Math.Abs((double)beta * c[i * n + j]);
                    if (bv is not null) s += Math.Abs(bv[j]);
                    scale[i * n + j] = s;
                }

            var (dOut, rOut) = OnBoth(c, (acc, buf) => acc.Gemm(ta, tb, m, n, k, alpha, buf(a), buf(b), beta, buf(c),
                bv is null ? null : buf(bv), act));
            string shape = $"{(ta ? "T" : "N")}{(tb ? "T" : "N")} m={m} n={n} k={k}" +
                           (alpha != 1f ? $" alpha={alpha}" : "") + (beta != 0f ? $" beta={beta}" : "") +
                           (bias ? " +bias" : "") + (act != Activation.None ? $" {act.ToName()}" : "") +
                           (nanC ? " C=NaN" : "");
            Add("gemm", shape, dOut, rOut, GemmTol, scale);
        }

        // ---------------------------------------------------------------- bias / activation

        private void BiasAdds()
        {
            foreach (var (rows, cols) in new[] { (1, 1), (7, 33), (129, 127), (128, 785), (128, 10) })
            {
                var x = Uniform(rows * cols);
                var bias = Uniform(cols);
                var (d, r) = OnBoth(x, (acc, buf) => acc.BiasAdd(buf(x), buf(bias), rows, cols));
                Add("bias_add", $"{rows}x{cols}", d, r, ElementTol);
            }
        }

        private void Activations()
        {
            foreach (var act in Enum.GetValues<Activation>())
            {
                var tol = act is Activation.Sigmoid or Activation.Tanh ? SmoothTol : ElementTol;
                foreach (var count in Counts)
                {
                    var x = Uniform(count, -6f, 6f);
                    var y = Filled(count, float.NaN);
                    var (d, r) = OnBoth(y, (acc, buf) => acc.ActivationForward(act, buf(x), buf(y), count));
                    Add($"activation_forward {act.ToName()}", $"{count}", d, r, tol);

                    // Backward through outputs of the right range: y = f(x) computed here.
                    var fy = x.Select(v => Forward(act, v)).ToArray();
                    var dy = Uniform(count);
                    var dx = Filled(count, float.NaN);
                    (d, r) = OnBoth(dx, (acc, buf) => acc.ActivationBackward(act, buf(fy), buf(dy), buf(dx), count));
                    Add($"activation_backward {act.ToName()}", $"{count}", d, r, tol);
                }

                // In place (x aliases y; dx aliases dy), as the layers use them.
                {
                    const int count = 785;
                    var x = Uniform(count, -6f, 6f);
                    var (d, r) = OnBoth(x, (acc, buf) => { var b = buf(x); acc.ActivationForward(act, b, b, count); });
                    Add($"activation_forward {act.ToName()}", $"{count} in place", d, r, tol);
                    var fy = x.Select(v => Forward(act, v)).ToArray();
                    var dy = Uniform(count);
                    (d, r) = OnBoth(dy, (acc, buf) => { var g = buf(dy); acc.ActivationBackward(act, buf(fy), g, g, count); });
                    Add($"activation_backward {act.ToName()}", $"{count} in place", d, r, tol);
                }
            }
        }

        private static float Forward(Activation act, float v) => act switch
        {
            Activation.Relu => MathF.Max(v, 0f),
            Activation.Sigmoid => 1f / (1f + MathF.Exp(-v)),
            Activation.Tanh => MathF.Tanh(v),
            _ => v,
        };

        // ---------------------------------------------------------------- softmax / cross-entropy

        private void Softmaxes()
        {
            (int Rows, int Cols, bool Grad, bool Alias)[] cases =
            [
                (1, 1, true, false), (1, 10, true, false), (7, 10, true, false), (128, 10, true, false),
                (129, 33, true, false), (33, 785, true, false), (1000, 10, true, false), (785, 7, false, false),
                (128, 10, true, true), (127, 10, false, true),
            ];
            foreach (var (rows, cols, grad, alias) in cases)
            {
                var logits = Uniform(rows * cols, -4f, 4f);
                if (rows > 2 && cols > 1)
                {
                    // A row with huge logits checks the max subtraction.
                    logits[cols] = 80f;
                    logits[cols + 1] = -80f;
                }
                var labels = Enumerable.Range(0, rows).Select(_ => rng.Next(cols)).ToArray();
                var stats0 = new[] { 0.5f, 3f }; // the op adds to stats
                float scale = 1f / rows;

                float[] dP = [], rP = [], dG = [], rG = [], dS = [], rS = [];
                foreach (var (acc, isDev) in new[] { (dev, true), (refAcc, false) })
                {
                    using var z = acc.Upload<float>(logits);
                    using var l = acc.Upload<int>(labels);
                    using var p = alias ? null : acc.Upload<float>(Filled(rows * cols, float.NaN));
                    using var g = grad ? acc.Upload<float>(Filled(rows * cols, float.NaN)) : null;
                    using var s = acc.Upload<float>(stats0);
                    var probs = p ?? z;
                    acc.SoftmaxCrossEntropy(z, l, rows, cols, probs, g, scale, s);
                    var (pp, gg, ss) = (probs.ToArray(), g?.ToArray() ?? [], s.ToArray());
                    if (isDev) (dP, dG, dS) = (pp, gg, ss);
                    else (rP, rG, rS) = (pp, gg, ss);
                }
                string shape = $"{rows}x{cols}{(grad ? " +grad" : "")}{(alias ? " in place" : "")}";
                Add("softmax_xent probabilities", shape, dP, rP, SoftmaxTol);
                if (grad) Add("softmax_xent gradient", shape, dG, rG, SoftmaxTol);
                Add("softmax_xent loss", shape, [dS[0]], [rS[0]], LossTol);
                Add("softmax_xent correct", shape, [dS[1]], [rS[1]], Exact);
            }
        }

        // ---------------------------------------------------------------- reductions

        private void ColumnSums()
        {
            (int Rows, int Cols, float Beta)[] cases =
            [
                (1, 1, 0f), (7, 33, 0f), (128, 10, 0f), (128, 128, 0f), (129, 785, 0f), (785, 127, 0.5f),
                (128, 10, 1f), (1000, 7, 0f), (0, 7, 0.5f),
            ];
            foreach (var (rows, cols, beta) in cases)
            {
                var x = Uniform(rows * cols);
                var sums = beta == 0f ? Filled(cols, float.NaN) : Uniform(cols);
                var scale = new double[cols];
                for (int c = 0; c < cols; c++)
                {
                    double s = beta == 0f ? 0 : Math.Abs((double)beta * sums[c]);
                    for (int r = 0; r < rows; r++) s += Math.Abs(x[r * cols + c]);
                    scale[c] = s;
                }
                var (d, r2) = OnBoth(sums, (acc, buf) => acc.ColumnSums(buf(x), rows, cols, buf(sums), beta));
                Add("column_sums", $"{rows}x{cols}{(beta != 0f ? $" beta={beta}" : " sums=NaN")}", d, r2, GemmTol, scale);
            }
        }

        // ---------------------------------------------------------------- convolutions

        /// <summary>
        /// im2col (exact: a copy), col2im (sums: the column-sum bound, scaled by the sums of |terms|, which the reference
        /// computes from |cols|), and 2 x 2 max pooling forward (exact) and backward through each device's own argmax
        /// (exact), at odd sizes, 1 / 3 / 32 channels and the CNN's own shapes.
        /// </summary>
        private void Convolutions()
        {
            foreach (var (n, h, w, c, k) in new[] { (1, 5, 5, 1, 3), (7, 9, 7, 3, 3), (3, 6, 11, 5, 5), (4, 28, 28, 1, 3), (2, 13, 13, 32, 3) })
            {
                var (oh, ow) = Accelerator.ConvOutput(n, h, w, c, k);
                string shape = $"{n}x{h}x{w}x{c} k{k}";
                var x = Uniform(n * h * w * c);
                var cols = Filled(n * oh * ow * k * k * c, float.NaN);
                var (d, r) = OnBoth(cols, (acc, buf) => acc.Im2Col(buf(x), n, h, w, c, k, buf(cols)));
                Add("im2col", shape, d, r, Exact);

                var g = Uniform(cols.Length);
                var abs = g.Select(Math.Abs).ToArray();
                var dx = Filled(x.Length, float.NaN);
                (d, r) = OnBoth(dx, (acc, buf) => acc.Col2Im(buf(g), n, h, w, c, k, buf(dx)));
                var scale = RunOn(refAcc, dx, (acc, buf) => acc.Col2Im(buf(abs), n, h, w, c, k, buf(dx))).Select(v => (double)v).ToArray();
                Add("col2im", shape, d, r, ElementTol, scale);
            }
            foreach (var (n, h, w, c) in new[] { (1, 2, 2, 1), (7, 5, 7, 3), (2, 26, 26, 32), (3, 11, 11, 64) })
            {
                string shape = $"{n}x{h}x{w}x{c}";
                int pooled = n * (h / 2) * (w / 2) * c;
                var x = Uniform(n * h * w * c);
                var y = Filled(pooled, float.NaN);
                var (d, r) = OnBoth(y, (acc, buf) =>
                {
                    using var arg = acc.Allocate<int>(pooled);
                    acc.MaxPool2x2(buf(x), n, h, w, c, buf(y), arg);
                });
                Add("max_pool_2x2", shape, d, r, Exact);

                var dy = Uniform(pooled);
                var dx = Filled(x.Length, float.NaN);
                (d, r) = OnBoth(dx, (acc, buf) =>
                {
                    using var arg = acc.Allocate<int>(pooled);
                    acc.MaxPool2x2(buf(x), n, h, w, c, buf(y), arg);
                    acc.MaxPool2x2Backward(buf(dy), arg, n, h, w, c, buf(dx));
                });
                Add("max_pool_2x2_backward", shape, d, r, Exact);
            }
        }

        // ---------------------------------------------------------------- optimizers

        private void Optimizers()
        {
            foreach (var count in new[] { 1, 7, 785, 100_480 })
            {
                var p = Uniform(count);
                var g = Uniform(count);
                var v = Uniform(count, -0.1f, 0.1f);
                float[] dp = [], rp = [], dv = [], rv = [];
                foreach (var (acc, isDev) in new[] { (dev, true), (refAcc, false) })
                {
                    using var bp = acc.Upload<float>(p);
                    using var bg = acc.Upload<float>(g);
                    using var bv = acc.Upload<float>(v);
                    acc.SgdMomentumUpdate(bp, bg, bv, count, 0.05f, 0.9f);
                    acc.SgdMomentumUpdate(bp, bg, bv, count, 0.05f, 0.9f);
                    if (isDev) (dp, dv) = (bp.ToArray(), bv.ToArray());
                    else (rp, rv) = (bp.ToArray(), bv.ToArray());
                }
                Add("sgd_momentum param", $"{count} x2 steps", dp, rp, OptimizerTol);
                Add("sgd_momentum velocity", $"{count} x2 steps", dv, rv, OptimizerTol);
            }

            foreach (var (count, step) in new[] { (1, 1), (7, 2), (785, 10), (100_480, 1000) })
            {
                var p = Uniform(count);
                var g = Uniform(count);
                var m = Uniform(count, -0.1f, 0.1f);
                var v = Uniform(count, 0f, 0.01f);
                float[] dp = [], rp = [], dm = [], rm = [], dv = [], rv = [];
                foreach (var (acc, isDev) in new[] { (dev, true), (refAcc, false) })
                {
                    using var bp = acc.Upload<float>(p);
                    using var bg = acc.Upload<float>(g);
                    using var bm = acc.Upload<float>(m);
                    using var bv = acc.Upload<float>(v);
                    acc.AdamUpdate(bp, bg, bm, bv, count, 1e-3f, 0.9f, 0.999f, 1e-8f, step);
                    if (isDev) (dp, dm, dv) = (bp.ToArray(), bm.ToArray(), bv.ToArray());
                    else (rp, rm, rv) = (bp.ToArray(), bm.ToArray(), bv.ToArray());
                }
                Add("adam param", $"{count} step {step}", dp, rp, OptimizerTol);
                Add("adam m", $"{count} step {step}", dm, rm, OptimizerTol);
                Add("adam v", $"{count} step {step}", dv, rv, OptimizerTol);
            }
        }

        // ---------------------------------------------------------------- gather

        private void Gathers()
        {
            (int Samples, int Features, int Start, int Count)[] cases =
                [(300, 784, 0, 1), (300, 784, 5, 7), (300, 784, 0, 128), (300, 784, 171, 129), (50, 33, 3, 33)];
            foreach (var (samples, features, start, count) in cases)
                Gather(samples, features, start, count, startInDeviceMemory: false);
        }

        /// <summary>
        /// One gather case on both accelerators: the batch at <paramref name="start"/> of a random order, its start
        /// passed by value or (as a recorded step does) read from device memory.
        /// </summary>
        private void Gather(int samples, int features, int start, int count, bool startInDeviceMemory)
        {
            var (images, labels, indices) = GatherInputs(samples, features, start + count);
            const float mean = 0.1307f, invStd = 1f / 0.3081f;
            float[] dx = [], rx = [];
            int[] dl = [], rl = [];
            foreach (var (acc, isDev) in new[] { (dev, true), (refAcc, false) })
            {
                using var bi = acc.Upload<byte>(images);
                using var bl = acc.Upload<byte>(labels);
                using var bx = acc.Upload<int>(indices);
                using var at = acc.Upload<int>([start]);
                using var x = acc.Upload<float>(Filled(count * features, float.NaN));
                using var y = acc.Upload<int>(Enumerable.Repeat(-7, count).ToArray());
                if (startInDeviceMemory) acc.GatherBatch(bi, bl, bx, at, count, features, mean, invStd, x, y);
                else acc.GatherBatch(bi, bl, bx, start, count, features, mean, invStd, x, y);
                if (isDev) (dx, dl) = (x.ToArray(), y.ToArray());
                else (rx, rl) = (x.ToArray(), y.ToArray());
            }
            string shape = $"{count} of {samples}x{features} from {(startInDeviceMemory ? "device position " : "")}{start}";
            Add("gather_batch x", shape, dx, rx, ElementTol);
            Add("gather_batch labels", shape, Floats(dl), Floats(rl), Exact);
        }

        // ---------------------------------------------------------------- fill

        private void Fills()
        {
            foreach (var (length, offset, count) in new[] { (1, 0, 1), (7, 2, 3), (100_003, 0, 100_003), (129, 128, 1) })
            {
                var start = Uniform(length);
                float value = -1.5f + length;
                var (d, r) = OnBoth(start, (acc, buf) => acc.Fill(buf(start), value, offset, count));
                Add("fill float", $"{count} of {length} from {offset}", d, r, Exact);
            }

            var ints = Enumerable.Range(0, 33).ToArray();
            var bytes = Enumerable.Range(0, 37).Select(i => (byte)i).ToArray();
            int[] dInts = [], rInts = [];
            byte[] dBytes = [], rBytes = [];
            foreach (var (acc, isDev) in new[] { (dev, true), (refAcc, false) })
            {
                using var bi = acc.Upload<int>(ints);
                using var bb = acc.Upload<byte>(bytes);
                acc.Fill(bi, -42, 5, 17);
                acc.Fill(bb, (byte)0xAB, 1, 35);
                if (isDev) (dInts, dBytes) = (bi.ToArray(), bb.ToArray());
                else (rInts, rBytes) = (bi.ToArray(), bb.ToArray());
            }
            Add("fill int", "17 of 33 from 5", Floats(dInts), Floats(rInts), Exact);
            Add("fill byte", "35 of 37 from 1", dBytes.Select(b => (float)b).ToArray(), rBytes.Select(b => (float)b).ToArray(), Exact);
        }

        // ---------------------------------------------------------------- ops reading their arguments from device memory

        private void DeviceArguments()
        {
            // Gather from a start position held in device memory.
            foreach (var (samples, features, start, count) in new[] { (300, 784, 171, 129), (50, 33, 0, 50) })
                Gather(samples, features, start, count, startInDeviceMemory: true);

            // Optimizers reading the learning rate (and Adam's bias corrections) from device memory.
            foreach (var count in new[] { 7, 100_480 })
            {
                var p = Uniform(count);
                var g = Uniform(count);
                var v = Uniform(count, -0.1f, 0.1f);
                var m = Uniform(count, -0.1f, 0.1f);
                var v2 = Uniform(count, 0f, 0.01f);
                var (c1, c2) = OptimizerScalars.AdamBiasCorrections(0.9f, 0.999f, 10);
                float[] sgdScalars = [0.05f, float.NaN, float.NaN], adamScalars = [1e-3f, c1, c2];
                float[] dps = [], rps = [], dpa = [], rpa = [];
                foreach (var (acc, isDev) in new[] { (dev, true), (refAcc, false) })
                {
                    using var bp = acc.Upload<float>(p);
                    using var bg = acc.Upload<float>(g);
                    using var bv = acc.Upload<float>(v);
                    using var ss = acc.Upload<float>(sgdScalars);
                    acc.SgdMomentumUpdate(bp, bg, bv, count, ss, 0.9f);
                    var sgd = bp.ToArray();
                    using var ap = acc.Upload<float>(p);
                    using var am = acc.Upload<float>(m);
                    using var av = acc.Upload<float>(v2);
                    using var sa = acc.Upload<float>(adamScalars);
                    acc.AdamUpdate(ap, bg, am, av, count, 0.9f, 0.999f, 1e-8f, sa);
                    var adam = ap.ToArray();
                    if (isDev) (dps, dpa) = (sgd, adam);
                    else (rps, rpa) = (sgd, adam);
                }
                Add("sgd_momentum param", $"{count}, learning rate in device memory", dps, rps, OptimizerTol);
                Add("adam param", $"{count} step 10, scalars in device memory", dpa, rpa, OptimizerTol);
            }
        }

        // ---------------------------------------------------------------- captured steps

        /// <summary>
        /// Where the device can record a step (CUDA graphs), records gather + GEMM + SGD once and replays it with a
        /// new batch position and learning rate each time, against the same ops run one by one on the reference.
        /// </summary>
        private void CapturedSteps()
        {
            const int samples = 64, features = 33, rows = 16, outputs = 10, replays = 3;
            var (images, labels, indices) = GatherInputs(samples, features, rows * replays);
            var w = Uniform(features * outputs);
            var vel = Uniform(features * outputs, -0.1f, 0.1f);
            float[] lrs = [0.05f, 0.02f, 0.01f];

            float[]? dW = null, rW = null;
            int ops = 0;
            foreach (var (acc, isDev) in new[] { (dev, true), (refAcc, false) })
            {
                using var bi = acc.Upload<byte>(images);
                using var bl = acc.Upload<byte>(labels);
                using var bx = acc.Upload<int>(indices);
                using var at = acc.Allocate<int>(1);
                using var x = acc.Allocate<float>(rows * features);
                using var y = acc.Allocate<int>(rows);
                using var weights = acc.Upload<float>(w);
                using var grad = acc.Allocate<float>(features * outputs);
                using var velocity = acc.Upload<float>(vel);
                using var scalars = acc.Upload<float>([0f, 0f, 0f]);
                void Ops()
                {
                    acc.GatherBatch(bi, bl, bx, at, rows, features, 0.5f, 2f, x, y);
                    // A stand-in gradient: X^T X[:, :outputs] keeps the step data dependent on the gathered batch.
                    acc.Gemm(true, false, features, outputs, rows, 1f / rows, x, x, 0f, grad);
                    acc.SgdMomentumUpdate(weights, grad, velocity, features * outputs, scalars, 0.9f);
                }
                using var recorded = isDev ? acc.CaptureStep(Ops) : null;
                if (isDev && recorded is null) return; // this backend runs ops one by one: nothing to compare
                ops = recorded?.OpCount ?? ops;
                for (int i = 0; i < replays; i++)
                {
                    acc.Fill(at, i * rows);
                    acc.Fill(scalars, lrs[i], OptimizerScalars.LearningRate, 1);
                    if (recorded is not null) recorded.Replay();
                    else Ops();
                }
                if (isDev) dW = weights.ToArray();
                else rW = weights.ToArray();
            }
            Add("capture_step weights", $"{replays} replays of gather+gemm+sgd ({ops} ops recorded)", dW!, rW!, OptimizerTol);
        }

        private (byte[] Images, byte[] Labels, int[] Indices) GatherInputs(int samples, int features, int indexCount)
        {
            var images = new byte[samples * features];
            rng.NextBytes(images);
            var labels = Enumerable.Range(0, samples).Select(_ => (byte)rng.Next(10)).ToArray();
            var indices = Enumerable.Range(0, indexCount).Select(_ => rng.Next(samples)).ToArray();
            return (images, labels, indices);
        }

        private static float[] Floats(int[] values) => values.Select(v => (float)v).ToArray();

        // ---------------------------------------------------------------- plumbing

        private delegate DeviceBuffer<float> BufferOf(float[] data);

        /// <summary>
        /// Runs <paramref name="op"/> on both accelerators: <c>buf(array)</c> uploads an array once per accelerator
        /// (the same array gives the same buffer), and the buffer made from <paramref name="output"/> is read back.
        /// </summary>
        private (float[] Device, float[] Reference) OnBoth(float[] output, Action<Accelerator, BufferOf> op) =>
            (RunOn(dev, output, op), RunOn(refAcc, output, op));

        private static float[] RunOn(Accelerator acc, float[] output, Action<Accelerator, BufferOf> op)
        {
            var made = new Dictionary<float[], DeviceBuffer<float>>(ReferenceEqualityComparer.Instance);
            try
            {
                DeviceBuffer<float> Buf(float[] data)
                {
                    if (!made.TryGetValue(data, out var b)) made[data] = b = acc.Upload<float>(data);
                    return b;
                }
                op(acc, Buf);
                return Buf(output).ToArray();
            }
            finally
            {
                foreach (var b in made.Values) b.Dispose();
            }
        }

        private float[] Uniform(int count, float lo = -1f, float hi = 1f)
        {
            var a = new float[count];
            for (int i = 0; i < count; i++) a[i] = lo + (hi - lo) * rng.NextSingle();
            return a;
        }

        private static float[] Filled(int count, float value)
        {
            var a = new float[count];
            Array.Fill(a, value);
            return a;
        }

        private void Add(string op, string shape, float[] device, float[] reference, VerificationTolerance tol, double[]? scale = null)
        {
            double maxAbs = 0, maxRel = 0, used = 0;
            bool ok = device.Length == reference.Length;
            double floor = tol.Relative > 0 ? tol.Absolute / tol.Relative : 0;
            for (int i = 0; ok && i < device.Length; i++)
            {
                double d = device[i], r = reference[i];
                if (double.IsNaN(d) || double.IsNaN(r))
                {
                    if (double.IsNaN(d) && double.IsNaN(r)) continue;
                    ok = false;
                    maxAbs = maxRel = used = double.PositiveInfinity;
                    break;
                }
                double err = d == r ? 0 : Math.Abs(d - r); // equal infinities are no error
                double s = scale?[i] ?? Math.Abs(r);
                double bound = tol.Absolute + tol.Relative * s;
                maxAbs = Math.Max(maxAbs, err);
                double relBase = Math.Max(s, floor);
                maxRel = Math.Max(maxRel, err == 0 ? 0 : relBase > 0 ? err / relBase : double.PositiveInfinity);
                used = Math.Max(used, err == 0 ? 0 : bound > 0 ? err / bound : double.PositiveInfinity);
            }
            if (device.Length != reference.Length) maxAbs = maxRel = used = double.PositiveInfinity;
            var row = new VerificationRow(op, shape, maxAbs, maxRel, tol, used, ok && used <= 1.0);
            Rows.Add(row);
            onRow?.Invoke(row);
        }
    }
}

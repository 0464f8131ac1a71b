using System.Diagnostics;
using GpuDigits.Engine;
using GpuDigits.Engine.Cpu;
using GpuDigits.Reports.Bench;

namespace GpuDigits.Cli.Benchmarks;

/// <summary>
/// Times every op of the training step at the shapes the default model (784-128-128-10, batch 128) uses, plus GEMM
/// at 1024^3 (or <see cref="SquareSize"/>), on the managed CPU after its FMA peak (<see cref="FmaPeak"/>), through the public <see cref="Accelerator"/> ops and <see cref="Accelerator.Synchronize"/> only, so
/// the same code times any backend. Each op is warmed up (at least two calls and <see cref="WarmupSeconds"/>) and calibrated first (calls per repetition doubled until a
/// repetition lasts <see cref="MinRepeatSeconds"/>), then timed <c>repeat</c> times; min and median are per call.
/// </summary>
public sealed class OpBenchmarks(Accelerator accelerator, int repeat, Action<BenchRecord>? onRecord = null)
{
    public const int Batch = 128;

    /// <summary>Shortest timed repetition; short ops are called many times inside one.</summary>
    public double MinRepeatSeconds { get; init; } = 0.02;

    /// <summary>Side of the square GEMMs (1024 by default; 4096 on a GPU, as the GPU check runs it).</summary>
    public int SquareSize { get; init; } = 1024;

    /// <summary>Also time the CNN's GEMMs and its layout and pooling ops (<c>bench --arch cnn</c>).</summary>
    public bool Convolutions { get; init; }

    /// <summary>The GEMMs of one CNN step at batch 128: each convolution's forward (im2col rows x filters, fused bias +
    /// ReLU), weight gradient (TN, a long k) and, for the second, the input gradient into the cols (NT).</summary>
    public static IEnumerable<(bool TransA, bool TransB, int M, int N, int K, bool Bias, Activation Act, string Note)> CnnGemmShapes()
    {
        yield return (false, false, Batch * 26 * 26, 32, 9, true, Activation.Relu, "cnn conv1 forward");
        yield return (true, false, 9, 32, Batch * 26 * 26, false, Activation.None, "cnn conv1 weight grad");
        yield return (false, false, Batch * 11 * 11, 64, 288, true, Activation.Relu, "cnn conv2 forward");
        yield return (true, false, 288, 64, Batch * 11 * 11, false, Activation.None, "cnn conv2 weight grad");
        yield return (false, true, Batch * 11 * 11, 288, 64, false, Activation.None, "cnn conv2 input grad (cols)");
        yield return (false, false, Batch, 128, 1600, true, Activation.Relu, "cnn dense forward");
        yield return (true, false, 1600, 128, Batch, false, Activation.None, "cnn dense weight grad");
        yield return (false, true, Batch, 1600, 128, false, Activation.None, "cnn dense input grad");
    }

    private IEnumerable<BenchRecord> ConvolutionOps()
    {
        var random = new Random(7);
        const float f = sizeof(float);
        foreach (var (side, channels, note) in new[] { (28, 1, "cnn conv1"), (13, 32, "cnn conv2") })
        {
            int o = side - 2;
            long cols = (long)Batch * o * o * 9 * channels, image = (long)Batch * side * side * channels;
            using var x = accelerator.Upload<float>(RandomFloats(random, (int)image));
            using var c = accelerator.Upload<float>(RandomFloats(random, (int)cols));
            yield return Time("elementwise", "im2col", $"{Batch}x{side}x{side}x{channels} k3", (image + cols) * f, "GB/s", note,
                () => accelerator.Im2Col(x, Batch, side, side, channels, 3, c));
            if (channels > 1)
                yield return Time("elementwise", "col2im", $"{Batch}x{side}x{side}x{channels} k3", (image + cols) * f, "GB/s", note,
                    () => accelerator.Col2Im(c, Batch, side, side, channels, 3, x));
        }
        // The second convolution's forward, weight gradient and input gradient, one op each: what the step runs in
        // place of im2col and the forward GEMM, of the TN GEMM over the cols, and of the NT GEMM into them and col2im.
        {
            const int side = 13, channels = 32, filters = 64, pixels = Batch * 11 * 11, depth = 9 * channels;
            using var dz = accelerator.Upload<float>(RandomFloats(random, pixels * filters));
            using var w = accelerator.Upload<float>(RandomFloats(random, depth * filters));
            using var b = accelerator.Upload<float>(RandomFloats(random, filters));
            using var c = accelerator.Allocate<float>(pixels * depth);
            using var dx = accelerator.Upload<float>(RandomFloats(random, Batch * side * side * channels));
            using var y = accelerator.Allocate<float>(pixels * filters);
            yield return Time("gemm", "convolution_forward", $"{Batch}x{side}x{side}x{channels} k3 f{filters}", 2.0 * pixels * depth * filters,
                "GFLOP/s", "cnn conv2: im2col + gemm NN + bias + relu",
                () => accelerator.ConvolutionForward(dx, Batch, side, side, channels, 3, w, b, filters, Activation.Relu, c, y));
            yield return Time("gemm", "conv_input_gradient", $"{Batch}x{side}x{side}x{channels} k3 f{filters}", 2.0 * pixels * depth * filters,
                "GFLOP/s", "cnn conv2: gemm NT + col2im", () => accelerator.ConvInputGradient(dz, w, Batch, side, side, channels, 3, filters, c, dx));
            yield return Time("gemm", "conv_weight_gradient", $"{Batch}x{side}x{side}x{channels} k3 f{filters}", 2.0 * pixels * depth * filters,
                "GFLOP/s", "cnn conv2: im2col + gemm TN", () => accelerator.ConvWeightGradient(dx, dz, Batch, side, side, channels, 3, filters, c, w));
        }
        // The convolutions' outputs: ReLU backward and the bias gradient over every output pixel.
        foreach (var (pixels, filters, note) in new[] { (Batch * 26 * 26, 32, "cnn conv1"), (Batch * 11 * 11, 64, "cnn conv2") })
        {
            int count = pixels * filters;
            using var yv = accelerator.Upload<float>(RandomFloats(random, count));
            using var dy = accelerator.Upload<float>(RandomFloats(random, count));
            using var dx = accelerator.Allocate<float>(count);
            using var sums = accelerator.Allocate<float>(filters);
            yield return Time("elementwise", "activation_backward", $"{pixels}x{filters}", 3 * f * count, "GB/s", $"{note} relu",
                () => accelerator.ActivationBackward(Activation.Relu, yv, dy, dx, count));
            yield return Time("elementwise", "column_sums", $"{pixels}x{filters}", f * count + f * filters, "GB/s", $"{note} bias gradient",
                () => accelerator.ColumnSums(dy, pixels, filters, sums));
        }
        // The fused first stage (conv1 + bias + ReLU + pool1, and its weight and bias gradients): what a CNN step runs
        // in place of im2col conv1, its two GEMMs, its ReLU backward, column sums and pool1's two passes.
        {
            const int side = 28, filters = 32, pooled = Batch * 13 * 13 * filters;
            using var x = accelerator.Upload<float>(RandomFloats(random, Batch * side * side));
            using var w = accelerator.Upload<float>(RandomFloats(random, 9 * filters));
            using var b = accelerator.Upload<float>(RandomFloats(random, filters));
            using var y = accelerator.Allocate<float>(pooled);
            using var dy = accelerator.Upload<float>(RandomFloats(random, pooled));
            using var arg = accelerator.Allocate<int>(pooled);
            using var dw = accelerator.Allocate<float>(9 * filters);
            using var db = accelerator.Allocate<float>(filters);
            double flops = 2.0 * Batch * 26 * 26 * filters * 9;
            yield return Time("gemm", "conv_relu_max_pool", $"{Batch}x{side}x{side}x1 k3 f{filters}", flops, "GFLOP/s", "cnn conv1 + pool1 fused",
                () => accelerator.ConvReluMaxPool(x, Batch, side, side, 1, 3, w, b, filters, y, arg));
            yield return Time("gemm", "conv_relu_max_pool_backward", $"{Batch}x{side}x{side}x1 k3 f{filters}", flops, "GFLOP/s", "weight + bias gradients",
                () => accelerator.ConvReluMaxPoolBackward(dy, arg, x, Batch, side, side, 1, 3, filters, dw, db));
        }
        foreach (var (side, channels, note) in new[] { (26, 32, "cnn pool1"), (11, 64, "cnn pool2") })
        {
            long image = (long)Batch * side * side * channels, pooled = (long)Batch * (side / 2) * (side / 2) * channels;
            using var x = accelerator.Upload<float>(RandomFloats(random, (int)image));
            using var y = accelerator.Allocate<float>((int)pooled);
            using var arg = accelerator.Allocate<int>((int)pooled);
            yield return Time("elementwise", "max_pool_2x2", $"{Batch}x{side}x{side}x{channels}", (image + 2 * pooled) * f, "GB/s", note,
                () => accelerator.MaxPool2x2(x, Batch, side, side, channels, y, arg));
            yield return Time("elementwise", "max_pool_2x2_backward", $"{Batch}x{side}x{side}x{channels}", (image + 2 * pooled) * f, "GB/s", note,
                () => accelerator.MaxPool2x2Backward(y, arg, Batch, side, side, channels, x));
        }
    }

    /// <summary>Untimed warm-up per op: long enough for the .NET tiered JIT to replace its quick first code.</summary>
    public double WarmupSeconds { get; init; } = 0.3;

    public List<BenchRecord> Run()
    {
        var records = new List<BenchRecord>();
        void Add(BenchRecord r)
        {
            records.Add(r);
            onRecord?.Invoke(r);
        }
        if (accelerator is CpuAccelerator cpu)
        {
            int threads = cpu.Options.Threads > 0 ? Math.Min(cpu.Options.Threads, Environment.ProcessorCount) : Environment.ProcessorCount;
            Add(Time("machine", "fma_peak", FmaPeak.Describe(threads), FmaPeak.Work(threads), "GFLOP/s",
                "FMAs alone: the ceiling of the GEMM rows", () => FmaPeak.Run(threads)));
        }
        foreach (var (transA, transB, m, n, k, bias, act, note) in GemmShapes(SquareSize))
            Add(TimeGemm(transA, transB, m, n, k, bias, act, note));
        foreach (var r in Elementwise()) Add(r);
        if (Convolutions)
        {
            foreach (var (transA, transB, m, n, k, bias, act, note) in CnnGemmShapes())
                Add(TimeGemm(transA, transB, m, n, k, bias, act, note));
            foreach (var r in ConvolutionOps()) Add(r);
        }
        return records;
    }

    /// <summary>
    /// The GEMMs of one training step of 784-128-128-10 (forward NN with the bias + ReLU epilogue, weight gradients
    /// TN, input gradients NT), then the three forms at <paramref name="square"/>^3.
    /// </summary>
    public static IEnumerable<(bool TransA, bool TransB, int M, int N, int K, bool Bias, Activation Act, string Note)> GemmShapes(int square = 1024)
    {
        yield return (false, false, Batch, 128, 784, true, Activation.Relu, "forward layer 1, bias+relu");
        yield return (false, false, Batch, 128, 128, true, Activation.Relu, "forward layer 2, bias+relu");
        yield return (false, false, Batch, 10, 128, true, Activation.None, "forward layer 3, bias");
        yield return (true, false, 784, 128, Batch, false, Activation.None, "weight grad layer 1");
        yield return (true, false, 128, 128, Batch, false, Activation.None, "weight grad layer 2");
        yield return (true, false, 128, 10, Batch, false, Activation.None, "weight grad layer 3");
        yield return (false, true, Batch, 128, 128, false, Activation.None, "input grad layer 2");
        yield return (false, true, Batch, 128, 10, false, Activation.None, "input grad layer 3");
        yield return (false, false, square, square, square, false, Activation.None, "square");
        yield return (true, false, square, square, square, false, Activation.None, "square");
        yield return (false, true, square, square, square, false, Activation.None, "square");
    }

    private BenchRecord TimeGemm(bool transA, bool transB, int m, int n, int k, bool withBias, Activation act, string note)
    {
        var random = new Random(m * 7 + n * 3 + k);
        using var a = accelerator.Upload<float>(RandomFloats(random, m * k));
        using var b = accelerator.Upload<float>(RandomFloats(random, k * n));
        using var c = accelerator.Allocate<float>(m * n);
        using var bias = accelerator.Upload<float>(RandomFloats(random, n));
        var biasOrNull = withBias ? bias : null;
        string op = $"gemm {(transA ? 'T' : 'N')}{(transB ? 'T' : 'N')}";
        return Time("gemm", op, $"m{m} n{n} k{k}", 2.0 * m * n * k, "GFLOP/s", note,
            () => accelerator.Gemm(transA, transB, m, n, k, 1f, a, b, 0f, c, biasOrNull, act));
    }

    private IEnumerable<BenchRecord> Elementwise()
    {
        var random = new Random(5);
        const int hidden = 128, inputs = 784, classes = 10, samples = 60_000;
        const float f = sizeof(float);

        // gather_batch: 128 random MNIST-sized rows of bytes -> normalized floats.
        using (var images = accelerator.Upload<byte>(RandomBytes(random, samples * inputs)))
        using (var labels = accelerator.Upload<byte>(RandomBytes(random, samples)))
        using (var order = accelerator.Upload<int>(Enumerable.Range(0, samples).OrderBy(_ => random.Next()).ToArray()))
        using (var x = accelerator.Allocate<float>(Batch * inputs))
        using (var y = accelerator.Allocate<int>(Batch))
        using (var at = accelerator.Allocate<int>(1))
        {
            int start = 0;
            // The position is written by a fill before each gather, as a training step writes its cursor.
            yield return Time("elementwise", "gather_batch", $"{Batch}x{inputs}", Batch * (inputs * (1 + f) + 4 + 1 + 4), "GB/s", "uint8 -> normalized float32",
                () =>
                {
                    accelerator.Fill(at, start);
                    accelerator.GatherBatch(images, labels, order, at, Batch, inputs, 0.1307f, 3.2457f, x, y);
                    start = start + 2 * Batch > samples ? 0 : start + Batch;
                });
        }

        using (var logits = accelerator.Upload<float>(RandomFloats(random, Batch * classes)))
        using (var labels = accelerator.Upload<int>(Enumerable.Range(0, Batch).Select(i => i % classes).ToArray()))
        using (var probabilities = accelerator.Allocate<float>(Batch * classes))
        using (var gradient = accelerator.Allocate<float>(Batch * classes))
        using (var stats = accelerator.Upload<float>([0f, 0f]))
        {
            yield return Time("elementwise", "softmax_xent", $"{Batch}x{classes}", Batch * (classes * 3 * f + 4), "GB/s", "with gradient",
                () => accelerator.SoftmaxCrossEntropy(logits, labels, Batch, classes, probabilities, gradient, 1f / Batch, stats));
        }

        int count = Batch * hidden;
        using (var yv = accelerator.Upload<float>(RandomFloats(random, count)))
        using (var dy = accelerator.Upload<float>(RandomFloats(random, count)))
        using (var dx = accelerator.Allocate<float>(count))
        using (var bias = accelerator.Upload<float>(RandomFloats(random, hidden)))
        using (var sums = accelerator.Allocate<float>(hidden))
        {
            yield return Time("elementwise", "activation_backward", $"{Batch}x{hidden}", 3 * f * count, "GB/s", "relu",
                () => accelerator.ActivationBackward(Activation.Relu, yv, dy, dx, count));
            yield return Time("elementwise", "activation_forward", $"{Batch}x{hidden}", 2 * f * count, "GB/s", "relu",
                () => accelerator.ActivationForward(Activation.Relu, dy, dx, count));
            yield return Time("elementwise", "bias_add", $"{Batch}x{hidden}", 2 * f * count + f * hidden, "GB/s", "",
                () => accelerator.BiasAdd(dx, bias, Batch, hidden));
            yield return Time("elementwise", "column_sums", $"{Batch}x{hidden}", f * count + f * hidden, "GB/s", "bias gradient",
                () => accelerator.ColumnSums(dy, Batch, hidden, sums));
        }

        int weights = inputs * hidden;
        using var p = accelerator.Upload<float>(RandomFloats(random, weights));
        using var g = accelerator.Upload<float>(RandomFloats(random, weights));
        // Layer 1's weight gradient GEMM with the step fused (training runs it so), next to the two rows it replaces.
        using var input = accelerator.Upload<float>(RandomFloats(random, Batch * inputs));
        using var dz = accelerator.Upload<float>(RandomFloats(random, Batch * hidden));
        foreach (var definition in OptimizerCatalog.All)
        {
            var rule = definition.Bind(new OptimizerSettings());
            var slots = Enumerable.Range(0, definition.Slots).Select(_ => accelerator.Upload<float>(new float[weights])).ToArray();
            try
            {
                // Tiny rates keep the parameters finite however often the bench repeats the update; the step count
                // (here 10) changes only the values of step-dependent scalars (Adam's bias corrections), not the work.
                using var scalars = accelerator.Upload<float>(rule.DeviceScalars(1e-6f, step: 10));
                // Moved per value: the parameter and each slot read and written, the gradient read.
                yield return Time("elementwise", definition.OpName, $"{weights}", (3 + 2 * definition.Slots) * f * weights, "GB/s",
                    "784x128 weights", () => rule.Step(accelerator, p, g, slots, weights, scalars));
                yield return Time("fused", $"gemm TN + {definition.OpName}", $"m{inputs} n{hidden} k{Batch}", 2.0 * weights * Batch, "GFLOP/s",
                    "weight grad layer 1 and its step in one op", () => rule.GemmStep(accelerator, true, false, inputs, hidden, Batch, 1f, input, dz, g, p, slots, scalars));
            }
            finally
            {
                foreach (var b in slots) b.Dispose(); // also when the caller stops the enumeration early
            }
        }
    }

    /// <summary>Warm-up and calibration, then <c>repeat</c> timed repetitions; returns per-call min and median.</summary>
    public BenchRecord Time(string category, string op, string shape, double work, string unit, string note, Action call)
    {
        long warm = Stopwatch.GetTimestamp();
        for (int i = 0; i < 2 || Stopwatch.GetElapsedTime(warm).TotalSeconds < WarmupSeconds; i++) call();
        accelerator.Synchronize();
        int calls = 1;
        while (calls < 1 << 20 && Measure(call, calls) < MinRepeatSeconds) calls *= 2;
        var times = new double[Math.Max(1, repeat)];
        for (int r = 0; r < times.Length; r++) times[r] = Measure(call, calls) / calls;
        Array.Sort(times);
        double min = times[0], median = Median(times);
        double scale = unit is "GFLOP/s" or "GB/s" ? 1e-9 : 1;
        return new BenchRecord(category, op, shape, work, unit, times.Length, calls, min, median,
            work / min * scale, work / median * scale, accelerator.Info.Id, note);
    }

    private double Measure(Action call, int calls)
    {
        accelerator.Synchronize();
        long t0 = Stopwatch.GetTimestamp();
        for (int i = 0; i < calls; i++) call();
        accelerator.Synchronize();
        return Stopwatch.GetElapsedTime(t0).TotalSeconds;
    }

    internal static double Median(double[] sorted) =>
        sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : 0.5 * (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]);

    private static float[] RandomFloats(Random random, int count)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }

    private static byte[] RandomBytes(Random random, int count)
    {
        var values = new byte[count];
        random.NextBytes(values);
        return values;
    }
}

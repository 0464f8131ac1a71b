using GpuDigits.Engine.Verification.Reference;
using static GpuDigits.Engine.Verification.Comparison;
using static GpuDigits.Engine.Verification.KernelTolerances;

namespace GpuDigits.Engine.Verification.Cases;

/// <summary>
/// Moving data: the batch gather (its position read from device memory, positions past the order included),
/// fills of each element type, and, where the device records steps, a recorded gather + GEMM + SGD step replayed.
/// </summary>
internal static class DataCases
{
    private const float Mean = 0.1307f, InvStd = 1f / 0.3081f;

    public static IEnumerable<VerificationCase> All()
    {
        (int Samples, int Features, int Start, int Count)[] gathers =
            [(300, 784, 0, 1), (300, 784, 5, 7), (300, 784, 0, 128), (300, 784, 171, 129), (50, 33, 3, 33)];
        foreach (var (samples, features, start, count) in gathers)
            yield return Gather(samples, features, start, count, orderOneShort: false);
        foreach (var (samples, features, start, count) in new[] { (300, 784, 171, 129), (50, 33, 0, 50) })
            yield return Gather(samples, features, start, count, orderOneShort: true);

        foreach (var (length, offset, count) in new[] { (1, 0, 1), (7, 2, 3), (100_003, 0, 100_003), (129, 128, 1) })
            yield return FillFloats(length, offset, count);
        yield return FillIntsAndBytes();
        yield return CapturedStep();
    }

    /// <summary>
    /// The batch at <paramref name="start"/> of a random order of <paramref name="samples"/>. With
    /// <paramref name="orderOneShort"/> the order ends one short of the batch (the position is in device memory, where the
    /// host cannot check it), so its last row is past the order: a zero row with label -1.
    /// </summary>
    private static VerificationCase Gather(int samples, int features, int start, int count, bool orderOneShort)
    {
        string shape = $"{count} of {samples}x{features} from {start}{(orderOneShort ? ", order one short" : "")}";
        return new VerificationCase("gather_batch", shape, (dev, rng) =>
        {
            var (images, labels, indices) = Inputs(rng, samples, features, start + count - (orderOneShort ? 1 : 0));
            var expected = ReferenceOps.GatherBatch(images, labels, indices, start, count, features, Mean, InvStd);

            using var bi = dev.Upload<byte>(images);
            using var bl = dev.Upload<byte>(labels);
            using var bx = dev.Upload<int>(indices);
            using var at = dev.Upload<int>([start]);
            using var x = dev.Upload<float>(Filled(count * features, float.NaN));
            using var y = dev.Upload<int>(Enumerable.Repeat(-7, count).ToArray());
            dev.GatherBatch(bi, bl, bx, at, count, features, Mean, InvStd, x, y);
            return [Row("gather_batch x", shape, x.ToArray(), expected.X, ElementwiseBound),
                    Row("gather_batch labels", shape, Floats(y.ToArray()), Widen(expected.Labels), ExactBound)];
        });
    }

    private static VerificationCase FillFloats(int length, int offset, int count)
    {
        string shape = $"{count} of {length} from {offset}";
        return new VerificationCase("fill float", shape, (dev, rng) =>
        {
            var start = rng.Uniform(length);
            float value = -1.5f + length;
            var expected = Widen(start);
            Array.Fill(expected, value, offset, count);
            var got = On(dev, start, buf => dev.Fill(buf(start), value, offset, count));
            return [Row("fill float", shape, got, expected, ExactBound)];
        });
    }

    private static VerificationCase FillIntsAndBytes() => new("fill int, byte", "17 of 33 from 5, 35 of 37 from 1", (dev, _) =>
    {
        var ints = Enumerable.Range(0, 33).ToArray();
        var bytes = Enumerable.Range(0, 37).Select(i => (byte)i).ToArray();
        using var bi = dev.Upload<int>(ints);
        using var bb = dev.Upload<byte>(bytes);
        dev.Fill(bi, -42, 5, 17);
        dev.Fill(bb, (byte)0xAB, 1, 35);
        Array.Fill(ints, -42, 5, 17);
        Array.Fill(bytes, (byte)0xAB, 1, 35);
        return [Row("fill int", "17 of 33 from 5", Floats(bi.ToArray()), Widen(ints), ExactBound),
                Row("fill byte", "35 of 37 from 1", Floats(Array.ConvertAll(bb.ToArray(), b => (int)b)),
                    Widen(Array.ConvertAll(bytes, b => (int)b)), ExactBound)];
    });

    /// <summary>
    /// Where the device can record a step (CUDA graphs): gather + GEMM + SGD recorded once and replayed with a new batch
    /// position and learning rate each time, against the same three steps in float64. A device that runs ops one by one
    /// gives no row.
    /// </summary>
    private static VerificationCase CapturedStep()
    {
        const int samples = 64, features = 33, rows = 16, outputs = 10, replays = 3, count = features * outputs;
        var sgd = OptimizerCatalog.Get(OptimizerKind.Sgd).Bind(new OptimizerSettings(Momentum: 0.9f));
        float[] lrs = [0.05f, 0.02f, 0.01f];
        return new VerificationCase("capture_step", $"{replays} replays of gather+gemm+sgd", (dev, rng) =>
        {
            var (images, labels, indices) = Inputs(rng, samples, features, rows * replays);
            var w = rng.Uniform(count);
            var vel = rng.Uniform(count, -0.1f, 0.1f);

            using var bi = dev.Upload<byte>(images);
            using var bl = dev.Upload<byte>(labels);
            using var bx = dev.Upload<int>(indices);
            using var at = dev.Allocate<int>(1);
            using var x = dev.Allocate<float>(rows * features);
            using var y = dev.Allocate<int>(rows);
            using var weights = dev.Upload<float>(w);
            using var grad = dev.Allocate<float>(count);
            using var velocity = dev.Upload<float>(vel);
            using var scalars = dev.Upload<float>([0f, 0f, 0f]);
            using var recorded = dev.CaptureStep(() =>
            {
                dev.GatherBatch(bi, bl, bx, at, rows, features, 0.5f, 2f, x, y);
                // A stand-in gradient, X^T times the batch's first rows x outputs values: data dependent on the gather.
                dev.Gemm(true, false, features, outputs, rows, 1f / rows, x, x, 0f, grad);
                sgd.Step(dev, weights, grad, [velocity], count, scalars);
            });
            if (recorded is null) return [];
            for (int i = 0; i < replays; i++)
            {
                dev.Fill(at, i * rows);
                dev.Fill(scalars, lrs[i], 0, 1); // the learning rate, StepScalars' first value
                recorded.Replay();
            }

            var (rw, rv) = (Widen(w), Widen(vel));
            for (int i = 0; i < replays; i++)
            {
                var xs = Array.ConvertAll(ReferenceOps.GatherBatch(images, labels, indices, i * rows, rows, features, 0.5, 2).X, v => (float)v);
                var g = ReferenceOps.Gemm(true, false, features, outputs, rows, 1.0 / rows, xs, xs, 0, null, null, Activation.None).Values;
                sgd.Reference(rw, g, [rv], lrs[i], i + 1);
            }
            return [Row("capture_step weights", $"{replays} replays of gather+gemm+sgd ({recorded.OpCount} ops recorded)",
                weights.ToArray(), rw, OptimizerBound, UpdateScale(Widen(w), rw))];
        });
    }

    private static (byte[] Images, byte[] Labels, int[] Indices) Inputs(Random rng, int samples, int features, int indexCount)
    {
        var images = new byte[samples * features];
        rng.NextBytes(images);
        var labels = Enumerable.Range(0, samples).Select(_ => (byte)rng.Next(10)).ToArray();
        var indices = Enumerable.Range(0, indexCount).Select(_ => rng.Next(samples)).ToArray();
        return (images, labels, indices);
    }
}

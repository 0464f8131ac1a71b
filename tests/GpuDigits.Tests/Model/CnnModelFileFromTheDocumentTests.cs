using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using GpuDigits.Engine;
using GpuDigits.Model;
using GpuDigits.Model.Inference;
using GpuDigits.Model.Persistence;
using GpuDigits.Tests.Engine;
using NUnit.Framework;

namespace GpuDigits.Tests.Model;

/// <summary>
/// docs/model-format.md is enough to write and to read a CNN file: this test builds one byte by byte from the
/// document's tables (header, ARCH, CONV, NORM, WGTS in the documented tensor order and layout, SHA-256 trailer), loads
/// it with the product's reader, and classifies images with it; the probabilities must equal a float64 forward pass
/// written from the document's CONV formulas (convolution, pooling, NHWC flatten) and dense layers. A wrong weight
/// layout, tensor order or flatten order in the document (or in the code) moves the probabilities far beyond the
/// tolerance.
/// </summary>
public class CnnModelFileFromTheDocumentTests
{
    private const int Side = 28;
    private static readonly int[] Filters = [3, 4];   // two stages: 28 -> 26 -> 13 -> 11 -> 5
    private static readonly int[] Dense = [6, 10];    // one hidden layer of 6, then 10 classes
    private const double Mean = 0.2, Std = 0.35;

    /// <summary>The tensors in the document's WGTS order, seeded; each with its rows and columns.</summary>
    private static List<(int Rows, int Cols, double[] Values)> Tensors(int seed)
    {
        var random = new Random(seed);
        double[] Draw(int n, double scale) => Enumerable.Range(0, n).Select(_ => (random.NextDouble() * 2 - 1) * scale).ToArray();
        var tensors = new List<(int, int, double[])>();
        int channels = 1, side = Side;
        foreach (int f in Filters)
        {
            tensors.Add((9 * channels, f, Draw(9 * channels * f, 0.6)));
            tensors.Add((1, f, Draw(f, 0.2)));
            side = (side - 2) / 2;
            channels = f;
        }
        int inputs = side * side * channels;
        foreach (int width in Dense)
        {
            tensors.Add((inputs, width, Draw(inputs * width, 0.3)));
            tensors.Add((1, width, Draw(width, 0.2)));
            inputs = width;
        }
        return tensors;
    }

    private static byte[] Section(string tag, bool required, byte[] payload)
    {
        var bytes = new byte[16 + payload.Length];
        Encoding.ASCII.GetBytes(tag, bytes);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), required ? 1u : 0u);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(8), (ulong)payload.Length);
        payload.CopyTo(bytes, 16);
        return bytes;
    }

    private static byte[] UInts(params uint[] values)
    {
        var bytes = new byte[4 * values.Length];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4 * i), values[i]);
        return bytes;
    }

    /// <summary>The whole file, from the document: header, sections in the writer's order, SHA-256 of all before it.</summary>
    private static byte[] FileFromTheDocument(List<(int Rows, int Cols, double[] Values)> tensors)
    {
        uint[] widths = [Side * Side, .. Dense.Select(w => (uint)w)];
        var arch = UInts([(uint)widths.Length, .. widths, 1u /* ReLU */]);
        var conv = UInts([(uint)Filters.Length, .. Filters.Select(f => (uint)f)]);
        var norm = new byte[16];
        BinaryPrimitives.WriteDoubleLittleEndian(norm, Mean);
        BinaryPrimitives.WriteDoubleLittleEndian(norm.AsSpan(8), Std);
        var weights = tensors.SelectMany(t => t.Values).SelectMany(v =>
        {
            var b = new byte[4];
            BinaryPrimitives.WriteSingleLittleEndian(b, (float)v);
            return b;
        }).ToArray();
        var header = new byte[16];
        Encoding.ASCII.GetBytes("GDMODEL\0", header);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(8), 1);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(12), 4);
        byte[] content = [.. header, .. Section("ARCH", true, arch), .. Section("CONV", true, conv),
                          .. Section("NORM", true, norm), .. Section("WGTS", true, weights)];
        return [.. content, .. SHA256.HashData(content)];
    }

    /// <summary>The document's forward pass in float64, on the float32 values the file holds.</summary>
    private static double[] Forward(byte[] image, List<(int Rows, int Cols, double[] Values)> tensors)
    {
        double[] F(int t) => tensors[t].Values.Select(v => (double)(float)v).ToArray();
        var map = image.Select(p => (p / 255.0 - Mean) / Std).ToArray();
        int side = Side, channels = 1, t = 0;
        foreach (int filters in Filters)
        {
            var (w, b) = (F(t++), F(t++));
            int o = side - 2;
            var z = new double[o * o * filters];
            for (int oy = 0; oy < o; oy++)
            for (int ox = 0; ox < o; ox++)
            for (int f = 0; f < filters; f++)
            {
                double sum = b[f];
                for (int ky = 0; ky < 3; ky++)
                for (int kx = 0; kx < 3; kx++)
                for (int c = 0; c < channels; c++)
                    sum += map[((oy + ky) * side + ox + kx) * channels + c] * w[((3 * ky + kx) * channels + c) * filters + f];
                z[(oy * o + ox) * filters + f] = Math.Max(0, sum);
            }
            int pooled = o / 2;
            map = new double[pooled * pooled * filters];
            for (int py = 0; py < pooled; py++)
            for (int px = 0; px < pooled; px++)
            for (int f = 0; f < filters; f++)
            {
                double best = double.NegativeInfinity;
                for (int dy = 0; dy < 2; dy++)
                for (int dx = 0; dx < 2; dx++)
                    best = Math.Max(best, z[((2 * py + dy) * o + 2 * px + dx) * filters + f]);
                map[(py * pooled + px) * filters + f] = best;
            }
            (side, channels) = (pooled, filters);
        }
        for (int layer = 0; layer < Dense.Length; layer++)
        {
            var (w, b) = (F(t++), F(t++));
            int outputs = Dense[layer];
            var y = new double[outputs];
            for (int j = 0; j < outputs; j++)
            {
                double sum = b[j];
                for (int i = 0; i < map.Length; i++) sum += map[i] * w[i * outputs + j];
                y[j] = layer + 1 < Dense.Length ? Math.Max(0, sum) : sum;
            }
            map = y;
        }
        double max = map.Max();
        var e = map.Select(v => Math.Exp(v - max)).ToArray();
        return e.Select(v => v / e.Sum()).ToArray();
    }

    [Test]
    public void AFileWrittenFromTheDocumentLoadsAndClassifiesAsTheDocumentSays()
    {
        var tensors = Tensors(seed: 11);
        var model = ModelFormat.Deserialize(FileFromTheDocument(tensors), "from-the-document.gdm");

        Assert.That(model.Spec.IsConvolutional, Is.True);
        Assert.That(model.Spec.ConvFilters, Is.EqualTo(Filters));
        Assert.That(model.Spec.Widths, Is.EqualTo(new[] { 5 * 5 * 4, 6, 10 }), "the dense part: F = 5 x 5 x 4, then ARCH's widths");
        Assert.That(model.Spec.Activation, Is.EqualTo(Activation.Relu));
        Assert.That(model.Parameters.Select(p => p.Length), Is.EqualTo(tensors.Select(t => t.Rows * t.Cols)));

        using var accelerator = TestAccelerators.Catalog.Open("cpu");
        using var classifier = new Classifier(accelerator, model, batchSize: 4);
        var random = new Random(5);
        for (int n = 0; n < 3; n++)
        {
            var image = new byte[Side * Side];
            random.NextBytes(image);
            var expected = Forward(image, tensors);
            var actual = classifier.Probabilities(image);
            // float32 arithmetic over at most 100-term sums of O(1) values: 1e-4 absolute on probabilities in [0, 1].
            for (int k = 0; k < 10; k++)
                Assert.That(actual[k], Is.EqualTo(expected[k]).Within(1e-4), $"image {n}, class {k}");
        }
    }

    [Test]
    public void TheProductsCnnFileIsTheDocumentsLayout()
    {
        // The writer's own bytes for the same model equal the ones built from the document, bit for bit.
        var tensors = Tensors(seed: 12);
        var bytes = FileFromTheDocument(tensors);
        var model = ModelFormat.Deserialize(bytes, "from-the-document.gdm");
        Assert.That(ModelFormat.Serialize(model), Is.EqualTo(bytes));
    }
}

using GpuDigits.Engine.Verification.Reference;
using NUnit.Framework;

namespace GpuDigits.Tests.Engine;

/// <summary>gather_batch: raw bytes + sample indices -> normalized float batch and int labels.</summary>
[TestFixture]
public sealed class GatherOpTests : AcceleratorFixture
{
    private const int Samples = 41;

    public static readonly int[] Features = [1, 7, 784, 785];

    public static readonly (int Count, int Start)[] Windows = [(1, 0), (33, 5), (128, 17)];

    /// <summary>(mean, invStd): the MNIST normalization, and the plain 1/255 scaling.</summary>
    public static readonly (float Mean, float InvStd)[] Normalizations = [(0.1307f, 1f / 0.3081f), (0f, 1f)];

    [Test]
    public void GatherMatchesReference(
        [ValueSource(typeof(TestAccelerators), nameof(TestAccelerators.Selected))] string device,
        [ValueSource(nameof(Features))] int features, [ValueSource(nameof(Windows))] (int Count, int Start) window,
        [ValueSource(nameof(Normalizations))] (float Mean, float InvStd) normalization)
    {
        var accelerator = Device(device);
        var (count, start) = window;
        int seed = DeviceData.Seed(features, count, start);
        var images = DeviceData.Bytes(seed, Samples * features);
        images[0] = 0;
        images[^1] = 255;
        var labels = DeviceData.Bytes(seed + 1, Samples).Select(b => (byte)(b % 10)).ToArray();
        // Arbitrary order with repeats, a few entries past the window, and the first and last sample inside it.
        var indices = DeviceData.Ints(seed + 2, start + count + 3, Samples);
        indices[start] = Samples - 1;
        if (count > 1) indices[start + count - 1] = 0;
        var expected = ReferenceOps.GatherBatch(images, labels, indices, start, count, features,
            normalization.Mean, normalization.InvStd);

        using var dImages = accelerator.Upload<byte>(images);
        using var dLabels = accelerator.Upload<byte>(labels);
        using var dIndices = accelerator.Upload<int>(indices);
        using var startAt = accelerator.Upload<int>([start]);
        using var x = DeviceData.Guarded(accelerator, DeviceData.Filled(count * features, float.NaN));
        using var batchLabels = DeviceData.Guarded(accelerator, Enumerable.Repeat(-1, count).ToArray());
        accelerator.GatherBatch(dImages, dLabels, dIndices, startAt, count, features, normalization.Mean,
            normalization.InvStd, x, batchLabels);

        Verify.Elementwise("x", DeviceData.ReadGuarded(x, "x"), expected.X);
        Verify.Exact("batch labels", DeviceData.ReadGuarded(batchLabels, "batchLabels"), expected.Labels);
        DeviceData.Unchanged(dImages, images, "images");
        DeviceData.Unchanged(dLabels, labels, "labels");
        DeviceData.Unchanged(dIndices, indices, "indices");
    }

    /// <summary>
    /// One rule on every backend: a sample index outside the data (negative, = samples, huge) and a position outside
    /// the index buffer (before it or past its end) each give a zero row and label -1, and nothing outside the outputs
    /// is written.
    /// </summary>
    [Test]
    public void OutOfRangeGivesZeroRowsAndNoLabel(
        [ValueSource(typeof(TestAccelerators), nameof(TestAccelerators.Selected))] string device,
        [Values(0, -3, 4)] int first)
    {
        var accelerator = Device(device);
        const int features = 7, count = 9;
        var images = DeviceData.Bytes(5, Samples * features);
        var labels = DeviceData.Bytes(6, Samples).Select(b => (byte)(b % 10)).ToArray();
        int[] indices = [3, -1, Samples, 0, int.MaxValue, Samples - 1, int.MinValue, 7, 2];
        var expected = ReferenceOps.GatherBatch(images, labels, indices, first, count, features, 0.5f, 2f);
        int inRange = Enumerable.Range(first, count).Count(p => p >= 0 && p < indices.Length && indices[p] is >= 0 and < Samples);
        Assert.That(inRange, Is.InRange(1, count - 1), "the case mixes good and bad rows");
        Assert.That(expected.Labels.Count(l => l == -1), Is.EqualTo(count - inRange), "reference");

        using var dImages = accelerator.Upload<byte>(images);
        using var dLabels = accelerator.Upload<byte>(labels);
        using var dIndices = accelerator.Upload<int>(indices);
        using var startAt = accelerator.Upload<int>([first]);
        using var x = DeviceData.Guarded(accelerator, DeviceData.Filled(count * features, float.NaN));
        using var batchLabels = DeviceData.Guarded(accelerator, Enumerable.Repeat(77, count).ToArray());
        accelerator.GatherBatch(dImages, dLabels, dIndices, startAt, count, features, 0.5f, 2f, x, batchLabels);

        Verify.Elementwise("x", DeviceData.ReadGuarded(x, "x"), expected.X);
        Verify.Exact("batch labels", DeviceData.ReadGuarded(batchLabels, "batchLabels"), expected.Labels);
    }
}

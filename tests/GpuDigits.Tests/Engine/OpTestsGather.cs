using GpuDigits.Tests.Reference;
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
        using var x = DeviceData.Guarded(accelerator, DeviceData.Filled(count * features, float.NaN));
        using var batchLabels = DeviceData.Guarded(accelerator, Enumerable.Repeat(-1, count).ToArray());
        accelerator.GatherBatch(dImages, dLabels, dIndices, start, count, features, normalization.Mean,
            normalization.InvStd, x, batchLabels);

        Verify.Elementwise("x", DeviceData.ReadGuarded(x, "x"), expected.X);
        Verify.Exact("batch labels", DeviceData.ReadGuarded(batchLabels, "batchLabels"), expected.Labels);
        DeviceData.Unchanged(dImages, images, "images");
        DeviceData.Unchanged(dLabels, labels, "labels");
        DeviceData.Unchanged(dIndices, indices, "indices");
    }
}

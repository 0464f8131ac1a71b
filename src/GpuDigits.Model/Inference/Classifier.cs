using GpuDigits.Data;
using GpuDigits.Engine;
using GpuDigits.Model.Persistence;
using GpuDigits.Model.Training;

namespace GpuDigits.Model.Inference;

/// <summary>
/// Runs a saved model over labeled images on one accelerator, the way <see cref="Trainer"/> evaluates: the images go
/// to the device as raw bytes, each batch is gathered and normalized there (<see cref="Accelerator.GatherBatch"/>),
/// then <see cref="Network.Forward"/> and the fused softmax cross-entropy produce the probabilities, and the loss sum
/// and correct count accumulate on the device. The host reads the logits (for the predicted class, the same first
/// arg-max the device counts) and the probabilities of each batch.
/// </summary>
public sealed class Classifier : IDisposable
{
    private readonly Accelerator _acc;
    private readonly DeviceBuffer<float> _x;
    private readonly DeviceBuffer<int> _y;
    private readonly DeviceBuffer<float> _stats;
    private readonly DeviceBuffer<int> _start; // the gather's first position, read by the op from device memory
    private readonly float _mean;
    private readonly float _invStd;

    public Classifier(Accelerator accelerator, ModelFile model, int batchSize = 1000)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        _acc = accelerator;
        Model = model;
        // The same device normalization as the trainer's: (p / 255 - mean) * (1 / std).
        _mean = (float)model.Normalization.Mean;
        _invStd = model.Normalization.Std > 1e-12 ? (float)(1.0 / model.Normalization.Std) : 1f;
        Network = model.CreateNetwork(accelerator, batchSize);
        try
        {
            _x = accelerator.Allocate<float>(batchSize * model.Spec.Inputs);
            _y = accelerator.Allocate<int>(batchSize);
            _stats = accelerator.Allocate<float>(2);
            _start = accelerator.Allocate<int>(1);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public ModelFile Model { get; }
    public Network Network { get; }
    public int Classes => Model.Spec.Classes;

    /// <summary>Classifies every image of <paramref name="data"/> against its labels.</summary>
    public Classification Classify(MnistSplit data, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Features != Model.Spec.Inputs)
            throw new ArgumentException($"The model takes {Model.Spec.Inputs} inputs; the images have {data.Features} pixels.", nameof(data));
        if (data.Count == 0) throw new ArgumentException("There are no images to classify.", nameof(data));
        int bad = Array.FindIndex(data.Labels, l => l >= Classes);
        if (bad >= 0) throw new ArgumentException($"Label {data.Labels[bad]} at index {bad} is not one of the model's {Classes} classes.", nameof(data));

        int classes = Classes;
        var probabilities = new float[(long)data.Count * classes];
        var logits = new float[Network.MaxRows * classes];
        var predicted = new int[data.Count];
        using var device = new DeviceDataset(_acc, data);
        _stats.CopyFromHost([0f, 0f]);
        for (int start = 0; start < data.Count; start += Network.MaxRows)
        {
            cancellation.ThrowIfCancellationRequested();
            int rows = Math.Min(Network.MaxRows, data.Count - start);
            _acc.Fill(_start, start);
            _acc.GatherBatch(device.Pixels, device.Labels, device.Order, _start, rows, data.Features, _mean, _invStd, _x, _y);
            var output = Network.Forward(_x, rows);
            Network.Loss(_y, rows, _stats, withGradient: false);
            output.CopyToHost(logits.AsSpan(0, rows * classes));
            Network.Probabilities.CopyToHost(probabilities.AsSpan(start * classes, rows * classes));
            for (int r = 0; r < rows; r++) predicted[start + r] = ArgMax(logits.AsSpan(r * classes, classes));
        }
        var stats = _stats.ToArray();
        return new Classification(classes, data.Labels.ToArray(), predicted, probabilities,
            (double)stats[0] / data.Count, (double)stats[1] / data.Count);
    }

    /// <summary>
    /// The class probabilities of one 28 x 28 image (bytes as in MNIST: 0 background, 255 ink), through the same
    /// device path as <see cref="Classify"/>.
    /// </summary>
    public float[] Probabilities(ReadOnlySpan<byte> image)
    {
        int side = MnistDataset.ImageSide;
        var one = new MnistSplit(image.ToArray(), [0], 1, side, side);
        var result = Classify(one);
        return result.ProbabilitiesOf(0).ToArray();
    }

    /// <summary>The first index of the largest value, as the device's accuracy count picks it.</summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
            if (values[i] > values[best]) best = i;
        return best;
    }

    public void Dispose()
    {
        _start?.Dispose();
        _stats?.Dispose();
        _y?.Dispose();
        _x?.Dispose();
        Network?.Dispose();
    }
}

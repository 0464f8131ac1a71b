using GpuDigits.Data;
using GpuDigits.Engine;

namespace GpuDigits.Model.Training;

/// <summary>
/// A labeled set resident on the accelerator as raw bytes, uploaded once; batches are gathered and normalized
/// on the device by <see cref="Accelerator.GatherBatch"/> from an index buffer.
/// </summary>
public sealed class DeviceDataset : IDisposable
{
    public DeviceDataset(Accelerator accelerator, MnistSplit data)
    {
        Count = data.Count;
        Features = data.Features;
        Pixels = accelerator.Upload<byte>(data.Images);
        try
        {
            Labels = accelerator.Upload<byte>(data.Labels);
            var identity = new int[data.Count];
            for (int i = 0; i < identity.Length; i++) identity[i] = i;
            Order = accelerator.Upload<int>(identity);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public int Count { get; }
    public int Features { get; }
    public DeviceBuffer<byte> Pixels { get; }
    public DeviceBuffer<byte> Labels { get; } = null!;

    /// <summary>The sample order batches are gathered in: identity until <see cref="SetOrder"/>.</summary>
    public DeviceBuffer<int> Order { get; } = null!;

    public void SetOrder(ReadOnlySpan<int> order) => Order.CopyFromHost(order);

    public void Dispose()
    {
        Pixels?.Dispose();
        Labels?.Dispose();
        Order?.Dispose();
    }
}

using GpuDigits.Engine;

namespace GpuDigits.Model.Layers;

/// <summary>A trainable tensor on the device and its gradient buffer of the same length.</summary>
public sealed class Parameter(string name, DeviceBuffer<float> value, DeviceBuffer<float> gradient) : IDisposable
{
    public string Name { get; } = name;
    public DeviceBuffer<float> Value { get; } = value;
    public DeviceBuffer<float> Gradient { get; } = gradient;
    public int Count => Value.Length;

    public void Dispose()
    {
        Value.Dispose();
        Gradient.Dispose();
    }
}

namespace GpuDigits.Data;

/// <summary>The content of an IDX label file: one byte per sample.</summary>
public sealed record IdxLabels(byte[] Labels)
{
    public int Count => Labels.Length;
}

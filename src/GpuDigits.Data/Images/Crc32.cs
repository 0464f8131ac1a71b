namespace GpuDigits.Data.Images;

/// <summary>
/// CRC-32 as used by PNG chunks and zip/gzip (ISO-HDLC): the reflected polynomial 0xEDB88320, initial value and final
/// XOR 0xFFFFFFFF. The check value of the ASCII string "123456789" is 0xCBF43926.
/// </summary>
public static class Crc32
{
    private static readonly uint[] Table = BuildTable();

    /// <summary>The CRC-32 of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => Append(0, data);

    /// <summary>
    /// Extends <paramref name="crc"/> (the CRC-32 of earlier bytes, 0 for none) over <paramref name="data"/>, so
    /// that Append(Compute(a), b) == Compute(a + b).
    /// </summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        uint c = ~crc;
        foreach (byte b in data) c = Table[(c ^ b) & 0xFF] ^ (c >> 8);
        return ~c;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }
}

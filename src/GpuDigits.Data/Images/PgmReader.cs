namespace GpuDigits.Data.Images;

/// <summary>
/// Reads PGM (portable graymap) files: "P2" (samples as decimal text) and "P5" (binary samples, one byte each when
/// the maximum value is below 256, else two bytes, most significant first). The header is the magic, width, height
/// and maximum value separated by whitespace, with '#' comments to the end of a line. Samples are scaled from
/// 0..maxval to 0..255 (0 = black). Only the first image of a multi-image file is read.
/// </summary>
public static class PgmReader
{
    public static GrayImage Read(string path) => Decode(ImageFile.ReadBytes(path), path);

    /// <summary>Whether <paramref name="data"/> starts like a PGM file ("P2" or "P5" and whitespace).</summary>
    public static bool HasMagic(ReadOnlySpan<byte> data) =>
        data.Length >= 3 && data[0] == 'P' && data[1] is (byte)'2' or (byte)'5' && IsSpace(data[2]);

    public static GrayImage Decode(ReadOnlySpan<byte> data, string name)
    {
        if (!HasMagic(data))
            throw new DataFormatException(name, "is not a PGM file: it does not start with P2 or P5");
        bool binary = data[1] == '5';
        int pos = 2;
        long width = ReadNumber(data, ref pos, name, "width");
        long height = ReadNumber(data, ref pos, name, "height");
        long maxValue = ReadNumber(data, ref pos, name, "maximum value");
        if (maxValue is < 1 or > 65535)
            throw new DataFormatException(name, $"declares maximum value {maxValue}; PGM allows 1 to 65535");
        GrayImage.CheckSize(name, width, height);
        long count = width * height;

        if (binary)
        {
            // Exactly one whitespace byte separates the header from the samples.
            if (pos >= data.Length || !IsSpace(data[pos]))
                throw new DataFormatException(name, "is truncated: no sample data follows the header");
            pos++;
            int bytesPerSample = maxValue < 256 ? 1 : 2;
            long need = count * bytesPerSample;
            if (need > data.Length - pos)
                throw new DataFormatException(name,
                    $"is truncated: a {width} x {height} image needs {need:N0} bytes of samples, only {data.Length - pos:N0} follow");
            var pixels = new byte[count];
            var samples = data.Slice(pos, (int)need);
            for (long i = 0; i < count; i++)
            {
                int v = bytesPerSample == 1 ? samples[(int)i] : samples[(int)(2 * i)] << 8 | samples[(int)(2 * i + 1)];
                pixels[i] = Scale(v, maxValue, name, i, width);
            }
            return new GrayImage((int)width, (int)height, pixels);
        }
        else
        {
            // Every text sample takes at least one digit and a separator (the last one no separator).
            if (count > (data.Length - pos + 1) / 2)
                throw new DataFormatException(name,
                    $"is truncated: a {width} x {height} image needs {count:N0} samples, the file is too short to hold them");
            var pixels = new byte[count];
            for (long i = 0; i < count; i++)
            {
                long v = ReadNumber(data, ref pos, name, $"sample {i:N0}");
                pixels[i] = Scale(v, maxValue, name, i, width);
            }
            return new GrayImage((int)width, (int)height, pixels);
        }
    }

    private static byte Scale(long v, long maxValue, string name, long index, long width)
    {
        if (v > maxValue)
            throw new DataFormatException(name,
                $"has sample {v} at ({index % width}, {index / width}), above its maximum value {maxValue}");
        return (byte)((v * 255 + maxValue / 2) / maxValue);
    }

    /// <summary>Skips whitespace and comments, then reads a decimal number.</summary>
    private static long ReadNumber(ReadOnlySpan<byte> data, ref int pos, string name, string what)
    {
        while (pos < data.Length)
        {
            if (IsSpace(data[pos])) pos++;
            else if (data[pos] == '#')
                while (pos < data.Length && data[pos] != '\n' && data[pos] != '\r') pos++;
            else break;
        }
        if (pos >= data.Length) throw new DataFormatException(name, $"is truncated: it ends before the {what}");
        long value = 0;
        int start = pos;
        while (pos < data.Length && data[pos] is >= (byte)'0' and <= (byte)'9')
        {
            value = value * 10 + (data[pos] - '0');
            if (value > int.MaxValue) throw new DataFormatException(name, $"has an absurd {what} ({value:N0}...)");
            pos++;
        }
        if (pos == start || (pos < data.Length && !IsSpace(data[pos]) && data[pos] != '#'))
            throw new DataFormatException(name, $"has a malformed {what} at byte {start:N0}: expected a decimal number");
        return value;
    }

    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or 0x0B or 0x0C;
}

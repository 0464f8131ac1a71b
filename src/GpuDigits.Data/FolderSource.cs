namespace GpuDigits.Data;

/// <summary>
/// Takes the files from a local folder that holds them raw or as <c>NAME.gz</c> (such as a Debian data set package's
/// folder); the sink decompresses and verifies them, so a folder with other files delivers nothing. A folder that
/// does not exist is a source that failed, with the reason.
/// </summary>
public sealed class FolderSource(string folder, string description) : IMnistSource
{
    public string Description { get; } = description;

    public async Task FetchAsync(IReadOnlyList<MnistFileSpec> files, IMnistFileSink sink, CancellationToken cancellation)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"{folder} does not exist");
        foreach (var file in files)
        {
            string raw = Path.Combine(folder, file.Name), gz = raw + ".gz";
            string? path = File.Exists(raw) ? raw : File.Exists(gz) ? gz : null;
            if (path is null) continue;
            await using var stream = File.OpenRead(path);
            await sink.AcceptAsync(file, stream, cancellation).ConfigureAwait(false);
        }
    }
}

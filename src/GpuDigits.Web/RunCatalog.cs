using System.Collections.Concurrent;
using GpuDigits.Files;
using GpuDigits.Files.Csv;
using GpuDigits.Model.Persistence;
using GpuDigits.Model.Runs;
using GpuDigits.Model.Training;

namespace GpuDigits.Web;

/// <summary>One run folder as the page lists it.</summary>
/// <param name="Epochs">Epochs recorded in its metrics.csv.</param>
/// <param name="TotalEpochs">The epochs the run was started for (from its model files' metadata), when known.</param>
/// <param name="Running">A gpudigits process holds the folder's lock now.</param>
/// <param name="EtaSeconds">For a running run: the epochs left times the mean step time of those done.</param>
/// <param name="Model">The model file the page classifies with: model.gdm, else model-best.gdm, else null.</param>
public sealed record RunSummary(string Name, int Epochs, int? TotalEpochs, bool Running, double? EtaSeconds,
    double? LastAccuracy, double? BestAccuracy, string? Model, DateTime Updated);

/// <summary>
/// The run folders under <c>serve --runs</c>: each folder directly inside it that holds a metrics.csv or a checkpoint.
/// A run is looked up only by a name found by listing the folder (never by joining a requested name to a path), so no
/// request reaches outside it; folders that are symbolic links are not listed. Nothing here writes.
/// </summary>
public sealed class RunCatalog(string? root)
{
    public const string MetricsName = "metrics.csv";

    private readonly ConcurrentDictionary<string, (FileStamp Stamp, IReadOnlyList<EpochMetrics> Rows)> _metrics = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (FileStamp Stamp, int? Epochs)> _planned = new(StringComparer.Ordinal);

    /// <summary>The folder served (a full path), or null when serve was given no --runs.</summary>
    public string? Root { get; } = root is null ? null : Path.GetFullPath(root);

    public IReadOnlyList<RunSummary> List() =>
        [.. Folders().Select(Summarize).OrderByDescending(r => r.Updated).ThenBy(r => r.Name, StringComparer.Ordinal)];

    /// <summary>The run folder called <paramref name="name"/>; a 404 when no listed run has that name.</summary>
    public string Find(string name)
    {
        if (Root is null) throw ApiProblem.NotFound("this server was started without --runs, so it serves no runs");
        foreach (var dir in Folders())
            if (string.Equals(Path.GetFileName(dir), name, StringComparison.Ordinal)) return dir;
        throw ApiProblem.NotFound($"there is no run called '{Clip(name)}' in the runs folder");
    }

    public RunSummary Summarize(string dir)
    {
        var rows = Metrics(dir, required: false);
        var model = ModelOf(dir);
        int? total = PlannedEpochs(dir);
        bool running = IsRunning(dir);
        double? eta = null;
        if (running && total is { } t && rows.Count > 0 && t > rows.Count)
            eta = (t - rows.Count) * rows.Average(r => r.EpochSeconds);
        var metricsPath = Path.Combine(dir, MetricsName);
        var updated = File.Exists(metricsPath) ? File.GetLastWriteTimeUtc(metricsPath) : Directory.GetLastWriteTimeUtc(dir);
        return new RunSummary(Path.GetFileName(dir), rows.Count, total is { } n ? Math.Max(n, rows.Count) : null, running, eta,
            rows.Count > 0 ? rows[^1].TestAccuracy : null, rows.Count > 0 ? rows.Max(r => r.TestAccuracy) : null,
            model is null ? null : Path.GetFileName(model), updated);
    }

    /// <summary>The epochs of the run's metrics.csv (re-read only when the file changed); a 422 when it cannot be read.</summary>
    public IReadOnlyList<EpochMetrics> Metrics(string dir, bool required = true)
    {
        var path = Path.Combine(dir, MetricsName);
        if (FileKind.Of(path) != FileKindValue.Regular)
        {
            if (required) throw ApiProblem.NotFound($"run '{Path.GetFileName(dir)}' has no {MetricsName} yet");
            return [];
        }
        var stamp = FileStamp.Of(path);
        if (_metrics.TryGetValue(path, out var known) && known.Stamp == stamp) return known.Rows;
        try
        {
            var rows = MetricsCsvReader.Read(path);
            _metrics[path] = (stamp, rows);
            return rows;
        }
        catch (Exception e) when (e is CsvContentException or IOException)
        {
            if (!required) return [];
            throw ApiProblem.Unprocessable($"{MetricsName} of run '{Path.GetFileName(dir)}' cannot be read: {e.Message}");
        }
    }

    /// <summary>The run's model file: model.gdm (a finished run), else model-best.gdm (one in progress), else null.</summary>
    public static string? ModelOf(string dir) =>
        new[] { RunModels.FinalName, RunModels.BestName }.Select(n => Path.Combine(dir, n))
            .FirstOrDefault(p => FileKind.Of(p) == FileKindValue.Regular);

    /// <summary>
    /// Whether a gpudigits process holds the run's lock: its lock file exists and a shared lock on it is refused (a
    /// process that was killed leaves the file but not the lock).
    /// </summary>
    public static bool IsRunning(string dir)
    {
        var path = Path.Combine(dir, RunFolder.LockName);
        if (FileKind.Of(path) != FileKindValue.Regular) return false;
        try
        {
            using var probe = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
            return false;
        }
        catch (IOException) { return File.Exists(path); }
        catch (UnauthorizedAccessException) { return false; }
    }

    /// <summary>The epochs the run was started for, from the metadata of its newest model file.</summary>
    private int? PlannedEpochs(string dir)
    {
        var model = new[] { RunModels.BestName, RunModels.FinalName }.Select(n => Path.Combine(dir, n))
            .Where(p => FileKind.Of(p) == FileKindValue.Regular).OrderByDescending(File.GetLastWriteTimeUtc).FirstOrDefault();
        if (model is null) return null;
        var stamp = FileStamp.Of(model);
        if (_planned.TryGetValue(model, out var known) && known.Stamp == stamp) return known.Epochs;
        int? epochs = null;
        try
        {
            if (ModelFormat.Load(model).Metadata.TryGetValue("epochs", out var text) && int.TryParse(text, out var n) && n > 0) epochs = n;
        }
        catch (Exception e) when (e is ModelFormatException or IOException) { }
        _planned[model] = (stamp, epochs);
        return epochs;
    }

    /// <summary>The run folders: plain folders directly inside <see cref="Root"/> with a metrics.csv or a checkpoint.</summary>
    private IEnumerable<string> Folders()
    {
        if (Root is null || !Directory.Exists(Root)) return [];
        try
        {
            return Directory.EnumerateDirectories(Root)
                .Where(d => FileKind.OfLink(d) == FileKindValue.Directory)
                .Where(d => File.Exists(Path.Combine(d, MetricsName)) || File.Exists(Path.Combine(d, CheckpointFormat.FileName)))
                .ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return []; }
    }

    /// <summary>A requested name as an error message may quote it: printable and short.</summary>
    internal static string Clip(string text)
    {
        var plain = new string([.. text.Take(80).Select(c => char.IsControl(c) ? '?' : c)]);
        return text.Length > 80 ? plain + "..." : plain;
    }
}

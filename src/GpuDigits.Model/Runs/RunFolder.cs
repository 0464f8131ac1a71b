using GpuDigits.Data;
using GpuDigits.Files;
using GpuDigits.Model.Persistence;
using GpuDigits.Model.Training;

namespace GpuDigits.Model.Runs;

/// <summary>
/// The folder a training run writes into: <c>checkpoint.gdm</c> and <c>metrics.csv</c> (and the model files). A new
/// folder is created and checked for writing before any work starts; if the run fails before its first epoch is
/// recorded, what this run created is removed again, so nothing half-written stays behind. Every file is replaced
/// atomically (temporary file, flush to disk, rename), so a crash or a full disk leaves the previous version whole.
/// </summary>
public sealed class RunFolder : IDisposable
{
    /// <summary>The lock file that holds the folder for one process (an OS lock, released when the process dies).</summary>
    public const string LockName = ".gpudigits.lock";

    private readonly IReadOnlyList<string> _createdFolders;
    private readonly HashSet<string> _createdFiles = new(StringComparer.Ordinal);
    private readonly FileStream _lock;
    private readonly MetricsCsvFile _metrics;
    private bool _started;

    private RunFolder(string directory, string metricsPath, IReadOnlyList<string> createdFolders, int savedEpoch, FileStream held)
    {
        Directory = directory;
        MetricsPath = metricsPath;
        _createdFolders = createdFolders;
        SavedEpoch = savedEpoch;
        _started = savedEpoch > 0;
        _lock = held;
        _metrics = new MetricsCsvFile(metricsPath);
    }

    /// <summary>
    /// Takes the folder's lock: an exclusive OS lock on <see cref="LockName"/> (flock on Linux), held until
    /// <see cref="Dispose"/> or the end of the process, so a killed run leaves no stale lock. A second process gets one
    /// clear line instead of mixing its files with the first one's.
    /// </summary>
    private static FileStream Hold(string dir)
    {
        var path = Path.Combine(dir, LockName);
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
        }
        catch (IOException e) when (File.Exists(path))
        {
            throw new RunFolderException(RunFolderProblem.InUse, dir,
                $"The run folder '{dir}' is in use by another gpudigits process (it holds {LockName})", e);
        }
    }

    /// <summary>Releases the folder's lock (and removes the lock file).</summary>
    public void Dispose()
    {
        try { File.Delete(Path.Combine(Directory, LockName)); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        _lock.Dispose();
        _metrics.Dispose();
    }

    /// <summary>The files a run writes itself; the metrics path may not name one of them.</summary>
    private static string[] OwnFiles(string dir) =>
        [Path.Combine(dir, CheckpointFormat.FileName), Path.Combine(dir, RunModels.FinalName), Path.Combine(dir, RunModels.BestName), Path.Combine(dir, LockName)];

    /// <summary>Checks that <paramref name="metrics"/> may be written by the run in <paramref name="dir"/>.</summary>
    private static void CheckMetricsTarget(string dir, string metrics)
    {
        if (OwnFiles(dir).Contains(metrics, StringComparer.Ordinal))
            throw new RunFolderException(RunFolderProblem.MetricsPath, metrics, $"'{metrics}' is one of the run's own files");
        // A device node, FIFO or socket is refused now, before any work (a folder is refused when the CSV is written,
        // like any other write failure: the checkpoint is kept and the message says how to go on).
        if (FileKind.OfLink(metrics) == FileKindValue.Special)
            throw new RunFolderException(RunFolderProblem.MetricsPath, metrics,
                $"'{metrics}' is a device, FIFO or socket, not a regular file; refusing to replace it");
    }

    public string Directory { get; }
    public string MetricsPath { get; }
    public string CheckpointPath => Path.Combine(Directory, CheckpointFormat.FileName);

    /// <summary>The metrics path as a checkpoint records it: relative when inside the run folder.</summary>
    public string MetricsPathForCheckpoint
    {
        get
        {
            var relative = Path.GetRelativePath(Directory, MetricsPath);
            return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? MetricsPath : relative;
        }
    }

    /// <summary>A folder for a new run (created if needed), checked for writing.</summary>
    public static RunFolder Prepare(string? outDir, string? metricsPath)
    {
        var dir = Path.GetFullPath(outDir ?? Path.Combine("runs", DateTime.Now.ToString("yyyyMMdd-HHmmss")));
        var metrics = Path.GetFullPath(metricsPath ?? Path.Combine(dir, "metrics.csv"));
        CheckMetricsTarget(dir, metrics);
        var created = MissingFolders(dir);
        FileStream? held = null;
        try
        {
            System.IO.Directory.CreateDirectory(dir);
            held = Hold(dir);
            if (File.Exists(Path.Combine(dir, CheckpointFormat.FileName)))
                throw new RunFolderException(RunFolderProblem.HoldsARun, dir,
                    $"'{dir}' already holds a training run (it has a {CheckpointFormat.FileName})");
            var metricsDir = Path.GetDirectoryName(metrics)!;
            System.IO.Directory.CreateDirectory(metricsDir);
            Probe(dir);
            if (metricsDir != dir) Probe(metricsDir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or RunFolderException)
        {
            if (held is not null)
            {
                TryDeleteFile(Path.Combine(dir, LockName));
                held.Dispose();
            }
            TryDelete(created);
            if (e is RunFolderException) throw;
            throw new IOException($"Cannot write the run folder '{dir}': {Why(e, dir)}", e);
        }
        return new RunFolder(dir, metrics, created, savedEpoch: 0, held);
    }

    /// <summary>
    /// The folder of a run being resumed from its checkpoint of epoch <paramref name="savedEpoch"/>;
    /// <paramref name="metricsPath"/> comes from the checkpoint, which is untrusted input (a shared run folder, a forged
    /// file): a path outside the run folder is written only when the user names it again
    /// (<paramref name="confirmedByUser"/>); otherwise <see cref="RunFolderProblem.UntrustedMetricsPath"/>.
    /// </summary>
    public static RunFolder Resume(string dir, string metricsPath, int savedEpoch, bool confirmedByUser)
    {
        var metrics = Path.GetFullPath(Path.Combine(dir, metricsPath));
        if (!confirmedByUser && !IsInside(dir, metrics))
            throw new RunFolderException(RunFolderProblem.UntrustedMetricsPath, metrics,
                $"The checkpoint in {dir} names a metrics file outside the run folder ('{metrics}'). A checkpoint cannot choose where gpudigits writes");
        CheckMetricsTarget(dir, metrics);
        var held = Hold(dir);
        try
        {
            Probe(dir);
            var metricsDir = Path.GetDirectoryName(metrics)!;
            System.IO.Directory.CreateDirectory(metricsDir);
            if (metricsDir != dir) Probe(metricsDir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            held.Dispose();
            throw new IOException($"Cannot write the run folder '{dir}': {Why(e, dir)}", e);
        }
        RemoveStaleTemporaryFiles(dir, Path.GetFileName(metrics));
        RemoveStaleTemporaryFiles(Path.GetDirectoryName(metrics)!, Path.GetFileName(metrics));
        return new RunFolder(dir, metrics, [], savedEpoch, held);
    }

    private static bool IsInside(string dir, string path)
    {
        var relative = Path.GetRelativePath(dir, path);
        return !relative.StartsWith("..", StringComparison.Ordinal) && !Path.IsPathRooted(relative);
    }

    /// <summary>
    /// Deletes the temporary files of atomic writes that a killed process left behind (".name.GUID.tmp" for the
    /// files a run writes); nothing else is touched.
    /// </summary>
    private static void RemoveStaleTemporaryFiles(string dir, string metricsName)
    {
        var names = new[] { CheckpointFormat.FileName, metricsName, RunModels.FinalName, RunModels.BestName };
        foreach (var path in System.IO.Directory.EnumerateFiles(dir, "*" + AtomicFile.TempSuffix))
        {
            var file = Path.GetFileName(path);
            bool ours = names.Any(n => file.Length == 1 + n.Length + 1 + 32 + AtomicFile.TempSuffix.Length &&
                                       file.StartsWith("." + n + ".", StringComparison.Ordinal) &&
                                       !file.AsSpan(n.Length + 2, 32).ContainsAnyExcept("0123456789abcdef"));
            if (!ours) continue;
            try { File.Delete(path); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>
    /// Saves a finished epoch: first the checkpoint (it holds the metrics history too), then metrics.csv rewritten
    /// from that history, so the CSV holds every completed epoch exactly once even if the process dies in between.
    /// A failure leaves the previous checkpoint and CSV as they were and says so.
    /// </summary>
    public void SaveEpoch(Checkpoint checkpoint)
    {
        int epoch = checkpoint.State.EpochsDone;
        string previous = epoch > 1 ? $"the checkpoint of epoch {epoch - 1} and {Path.GetFileName(MetricsPath)} are unchanged" : "nothing was saved";
        try
        {
            Track(CheckpointPath);
            CheckpointFormat.Save(checkpoint, CheckpointPath);
            _started = true; // from here on the folder holds a resumable run
            SavedEpoch = epoch;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"Cannot write the checkpoint of epoch {epoch} to '{CheckpointPath}': {Why(e, Directory)}; {previous}.", e);
        }
        WriteMetrics(checkpoint.State.History, afterCheckpoint: true);
    }

    /// <summary>
    /// Runs <paramref name="write"/> (an atomic save of <paramref name="what"/> to <paramref name="path"/>); a failure
    /// becomes one <see cref="IOException"/> saying that the saved epochs are untouched. A file this run creates is
    /// removed again if the run ends before its first epoch is saved.
    /// </summary>
    public void Write(string what, string path, Action write)
    {
        try
        {
            Track(path);
            write();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            string kept = SavedEpoch > 0 ? $"the checkpoint of epoch {SavedEpoch} and {Path.GetFileName(MetricsPath)} are unchanged" : "no epoch was saved";
            throw new IOException($"Cannot write {what}: {Why(e, Path.GetDirectoryName(path)!)}; {kept}.", e);
        }
    }

    /// <summary>Rewrites the metrics CSV atomically with exactly <paramref name="history"/>.</summary>
    public void WriteMetrics(IReadOnlyList<EpochMetrics> history, bool afterCheckpoint = false)
    {
        try
        {
            Track(MetricsPath);
            _metrics.Save(history);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            string state = afterCheckpoint
                ? $"the checkpoint of epoch {history.Count} is saved; resuming the run rewrites the CSV from it"
                : "the CSV is unchanged";
            throw new IOException($"Cannot write the metrics CSV '{MetricsPath}': {Why(e, Path.GetDirectoryName(MetricsPath)!)}; {state}.", e);
        }
    }

    /// <summary>Why a save failed, without the path the message around it names already.</summary>
    private static string Why(Exception e, string folder) => FileWriteException.ReasonOf(e, folder);

    /// <summary>The epoch of the checkpoint on disk (0: none yet).</summary>
    public int SavedEpoch { get; private set; }

    /// <summary>Remembers <paramref name="path"/> as created by this run when it does not exist yet.</summary>
    private void Track(string path)
    {
        if (!_started && !File.Exists(path)) _createdFiles.Add(path);
    }

    /// <summary>Removes what this run created (files, then folders, and the lock) if no epoch was recorded.</summary>
    public void AbandonIfEmpty()
    {
        if (_started) return;
        foreach (var path in _createdFiles) TryDeleteFile(path);
        TryDeleteFile(Path.Combine(Directory, LockName));
        _lock.Dispose();
        TryDelete(_createdFolders);
    }

    private static void TryDeleteFile(string path)
    {
        try
        {
            if (File.Exists(path)) File.Delete(path);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    private static void Probe(string dir)
    {
        var probe = Path.Combine(dir, $".write-test-{Environment.ProcessId}");
        try
        {
            File.WriteAllBytes(probe, [1]);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw FileWriteException.From(dir, e, folder: dir); // the folder is what the user named, not the probe file
        }
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

/// <summary>Why a run folder cannot be used; <see cref="RunFolderException.Path"/> names the path concerned.</summary>
public enum RunFolderProblem
{
    /// <summary>The metrics path is one of the run's own files, or a device, FIFO or socket.</summary>
    MetricsPath,
    /// <summary>A new run was asked for in a folder that already holds one (it has a checkpoint).</summary>
    HoldsARun,
    /// <summary>A checkpoint names a metrics file outside its run folder, and the caller has not confirmed it.</summary>
    UntrustedMetricsPath,
    /// <summary>Another process holds the folder's lock.</summary>
    InUse,
}

/// <summary>A run folder that cannot be used as asked, said as a fact; the caller words what to do about it.</summary>
public sealed class RunFolderException(RunFolderProblem problem, string path, string message, Exception? inner = null)
    : IOException(message, inner)
{
    public RunFolderProblem Problem { get; } = problem;
    public string Path { get; } = path;
}

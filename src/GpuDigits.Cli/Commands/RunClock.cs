using System.Diagnostics;
using GpuDigits.Model.Training;

namespace GpuDigits.Cli.Commands;

/// <summary>
/// Accounts for the wall time of a <c>train</c> run, phase by phase (what <c>train --timings</c> prints): the start
/// (process start to the first batch: runtime, data check and load, device, trainer, first step), and per epoch the
/// trainer's phases (<see cref="EpochTimings"/>) plus what the command does after each epoch (model files, checkpoint,
/// metrics CSV, display). What no phase claims is reported as "other", so the table always adds up to the wall time.
/// </summary>
public sealed class RunClock
{
    private readonly long _created = Stopwatch.GetTimestamp();
    private readonly double _beforeMain;
    private readonly List<(string Phase, double Seconds)> _start = [];
    private readonly Dictionary<string, double> _epochs = [];
    private readonly List<string> _epochOrder = [];
    private readonly List<(string Phase, double Seconds)> _end = [];
    private int _epochCount;

    public RunClock()
    {
        // Process start to here: the runtime, the JIT of the command-line parser and the parse itself.
        using var self = Process.GetCurrentProcess();
        _beforeMain = Math.Max(0, (DateTime.Now - self.StartTime).TotalSeconds);
    }

    /// <summary>Runs <paramref name="action"/> as a start-up phase.</summary>
    public T Start<T>(string phase, Func<T> action)
    {
        long t0 = Stopwatch.GetTimestamp();
        try { return action(); }
        finally { _start.Add((phase, Stopwatch.GetElapsedTime(t0).TotalSeconds)); }
    }

    /// <summary>Runs <paramref name="action"/> as a start-up phase.</summary>
    public void Start(string phase, Action action) => Start(phase, () => { action(); return 0; });

    private void AddStart(string phase, double seconds) => _start.Add((phase, seconds));

    /// <summary>Runs <paramref name="action"/> as a phase of the current epoch's end (summed over epochs).</summary>
    public void Epoch(string phase, Action action)
    {
        long t0 = Stopwatch.GetTimestamp();
        try { action(); }
        finally { AddEpoch(phase, Stopwatch.GetElapsedTime(t0).TotalSeconds); }
    }

    private void AddEpoch(string phase, double seconds)
    {
        if (!_epochs.ContainsKey(phase)) _epochOrder.Add(phase);
        _epochs[phase] = _epochs.GetValueOrDefault(phase) + seconds;
    }

    /// <summary>
    /// Adds one finished epoch's trainer phases. <paramref name="firstStep"/>, the run's first step when it fell in
    /// this epoch (it compiles the kernels), is counted as a start-up phase instead.
    /// </summary>
    public void EpochDone(EpochTimings t, double firstStep = 0)
    {
        _epochCount++;
        if (firstStep > 0) AddStart("first training step (JIT, kernel load)", firstStep);
        AddEpoch("training steps", t.StepLoop - t.ProgressReads - firstStep);
        AddEpoch("progress reads (in the step loop)", t.ProgressReads);
        AddEpoch("end-of-epoch copy and check", t.EndOfEpochCopy);
        AddEpoch("test evaluation", t.Evaluation);
    }

    /// <summary>Runs <paramref name="action"/> as a phase after the last epoch.</summary>
    public T End<T>(string phase, Func<T> action)
    {
        long t0 = Stopwatch.GetTimestamp();
        try { return action(); }
        finally { _end.Add((phase, Stopwatch.GetElapsedTime(t0).TotalSeconds)); }
    }

    /// <summary>Runs <paramref name="action"/> as a phase after the last epoch.</summary>
    public void End(string phase, Action action) => End(phase, () => { action(); return 0; });

    /// <summary>The table: phase, total seconds, seconds per epoch (epoch phases), share of the wall time.</summary>
    public IReadOnlyList<string> Report()
    {
        double wall = _beforeMain + Stopwatch.GetElapsedTime(_created).TotalSeconds;
        var lines = new List<string> { $"{"where the time went",-54} {"seconds",9} {"per epoch",10} {"share",6}" };
        double claimed = 0;
        void Line(string phase, double seconds, bool perEpoch)
        {
            claimed += seconds;
            string each = perEpoch && _epochCount > 0 ? $"{seconds / _epochCount,10:F4}" : new string(' ', 10);
            lines.Add($"{phase,-54} {seconds,9:F3} {each} {seconds / Math.Max(wall, 1e-9) * 100,5:F1}%");
        }
        Line("process start to the command", _beforeMain, false);
        foreach (var (phase, s) in _start) Line(phase, s, false);
        foreach (var phase in _epochOrder) Line(phase, _epochs[phase], true);
        foreach (var (phase, s) in _end) Line(phase, s, false);
        Line("other", Math.Max(0, wall - claimed), false);
        lines.Add($"{"wall time",-54} {wall,9:F3} {(_epochCount > 0 ? $"{(wall - _beforeMain - _start.Sum(p => p.Seconds) - _end.Sum(p => p.Seconds)) / _epochCount,10:F4}" : ""),10}");
        return lines;
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;

namespace GpuDigits.Engine.Ilgpu;

/// <summary>
/// ILGPU's CPU accelerator checks every <c>ArrayView</c> access and reports a violation through
/// <see cref="Debug.Fail(string)"/>, whose default listener ends the process. This listener takes its place and
/// records the failure instead, so the accelerator can turn an out-of-bounds kernel into an
/// <see cref="AcceleratorException"/> when it next waits for its work (and a test fails instead of the test run dying).
/// </summary>
public sealed class KernelAssertions : TraceListener
{
    private static readonly object Gate = new();
    private static KernelAssertions? _installed;
    private readonly ConcurrentQueue<string> _failures = new();

    private KernelAssertions() : base("GpuDigits kernel assertions") { }

    /// <summary>Replaces the default listener (once per process) and returns the recorder.</summary>
    public static KernelAssertions Install()
    {
        lock (Gate)
        {
            if (_installed is not null) return _installed;
            _installed = new KernelAssertions();
            foreach (var listener in Trace.Listeners.OfType<DefaultTraceListener>().ToArray()) Trace.Listeners.Remove(listener);
            Trace.Listeners.Add(_installed);
            return _installed;
        }
    }

    /// <summary>Everything recorded since the last call, oldest first.</summary>
    public IReadOnlyList<string> Take()
    {
        var taken = new List<string>();
        while (_failures.TryDequeue(out var failure)) taken.Add(failure);
        return taken;
    }

    public override void Fail(string? message, string? detailMessage) =>
        _failures.Enqueue(string.IsNullOrEmpty(detailMessage) ? message ?? "assertion failed" : $"{message}: {detailMessage}");

    public override void Fail(string? message) => Fail(message, null);

    public override void Write(string? message) { }

    public override void WriteLine(string? message) { }
}

using System.Runtime.InteropServices;

namespace GpuDigits.Cli;

/// <summary>
/// Turns the first SIGINT (Ctrl-C) or SIGTERM into a cancellation instead of the runtime's immediate exit, so a
/// long-running command can stop at a safe point and say how to continue. A second signal is not intercepted: it
/// ends the process at once, as usual (whatever is on disk is consistent, because files are replaced atomically).
/// </summary>
public sealed class TerminationSignals : IDisposable
{
    private readonly CancellationTokenSource _cancel = new();
    private readonly PosixSignalRegistration[] _registrations;
    private int _received;

    public TerminationSignals()
    {
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle),
        ];
    }

    /// <summary>Cancelled when the first signal arrives.</summary>
    public CancellationToken Token => _cancel.Token;

    /// <summary>The first signal received, if any.</summary>
    public PosixSignal? Received => Volatile.Read(ref _received) switch
    {
        0 => null,
        var s => (PosixSignal)s,
    };

    /// <summary>The conventional exit status for the signal received (128 + its number): 130 for SIGINT, 143 for SIGTERM.</summary>
    public int ExitCode => Received == PosixSignal.SIGTERM ? ExitCodes.Terminated : ExitCodes.Interrupted;

    /// <summary>SIGINT or SIGTERM, for messages.</summary>
    public string Name => Received == PosixSignal.SIGTERM ? "SIGTERM" : "SIGINT";

    private void Handle(PosixSignalContext context)
    {
        if (Interlocked.CompareExchange(ref _received, (int)context.Signal, 0) != 0) return; // second signal: default action
        context.Cancel = true;
        _cancel.Cancel();
    }

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
        _cancel.Dispose();
    }
}

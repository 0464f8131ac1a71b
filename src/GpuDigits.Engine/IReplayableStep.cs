namespace GpuDigits.Engine;

/// <summary>
/// A sequence of ops recorded once by <see cref="Accelerator.CaptureStep"/> (on CUDA, an instantiated graph) and
/// enqueued again, whole, by every <see cref="Replay"/>. Disposing it frees the recording, not the buffers it uses.
/// </summary>
public interface IReplayableStep : IDisposable
{
    /// <summary>Enqueues the recorded ops again, with the arguments they were recorded with; does not wait for them.</summary>
    void Replay();

    /// <summary>How many ops were recorded (graph nodes on CUDA).</summary>
    int OpCount { get; }
}

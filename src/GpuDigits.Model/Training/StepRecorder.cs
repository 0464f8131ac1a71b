using GpuDigits.Engine;

namespace GpuDigits.Model.Training;

/// <summary>
/// Step recording for the trainer: asks the accelerator to record one full-size training step
/// (<see cref="Accelerator.CaptureStep"/>, a CUDA graph) the first time it is asked, and replays that recording for
/// every later full-size step. Where the backend cannot record, <see cref="Replay"/> answers false every time and the
/// trainer enqueues the step's ops itself.
/// </summary>
internal sealed class StepRecorder(Accelerator accelerator) : IDisposable
{
    private IReplayableStep? _recorded;
    private bool _tried;

    /// <summary>Steps replayed so far.</summary>
    public long Replayed { get; private set; }

    /// <summary>Ops in the recording (0 while there is none).</summary>
    public int OpCount => _recorded?.OpCount ?? 0;

    /// <summary>Replays the recorded step (recording it first, once); false when there is no recording to replay.</summary>
    public bool Replay(Trainer trainer, int rows)
    {
        if (_recorded is null && !_tried)
        {
            _tried = true;
            _recorded = Record(trainer, rows);
        }
        if (_recorded is null) return false;
        _recorded.Replay();
        Replayed++;
        return true;
    }

    /// <summary>Kept out of <see cref="Replay"/>: a lambda there would allocate its closure on every call.</summary>
    private IReplayableStep? Record(Trainer trainer, int rows) => accelerator.CaptureStep(() => trainer.StepOps(rows));

    public void Dispose() => _recorded?.Dispose();
}

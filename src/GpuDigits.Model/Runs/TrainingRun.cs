using GpuDigits.Model.Persistence;
using GpuDigits.Model.Training;

namespace GpuDigits.Model.Runs;

/// <summary>
/// The run protocol: how a training run uses its folder, in one place and testable in process. A run is started in a
/// new folder (<see cref="Start"/>) or resumed from the checkpoint in its folder (<see cref="Resume"/>), then attached
/// to its <see cref="Trainer"/>. After every epoch <see cref="EpochDone"/> writes, in this order, model-best.gdm (when
/// the epoch beats every earlier one), checkpoint.gdm, then metrics.csv rewritten from the checkpoint's history: a
/// kill between any two writes leaves a folder that resumes to the same result (an epoch redone after a kill writes
/// the same model-best.gdm again). <see cref="Finish"/> writes model.gdm. Every write is atomic; a run that ends
/// before its first epoch is saved removes what it created (<see cref="AbandonIfEmpty"/>). Which option changes a
/// resume allows is the caller's rule; whether the checkpoint fits the trainer is <see cref="Trainer.Restore"/>'s.
/// </summary>
public sealed class TrainingRun : IDisposable
{
    private readonly RunFolder _folder;
    private Trainer? _trainer;
    private RunModels? _models;
    private RunSettings? _settings;

    private TrainingRun(RunFolder folder, Checkpoint? from)
    {
        _folder = folder;
        From = from;
    }

    /// <summary>A new run in <paramref name="directory"/> (default: runs/&lt;timestamp&gt;), metrics at <paramref name="metricsPath"/> (default: its metrics.csv).</summary>
    public static TrainingRun Start(string? directory, string? metricsPath) => new(RunFolder.Prepare(directory, metricsPath), null);

    /// <summary>
    /// The run saved in <paramref name="directory"/>, from its checkpoint (already read and checked by the caller).
    /// A metrics path the checkpoint names outside the folder is used only when <paramref name="metricsConfirmed"/>.
    /// </summary>
    public static TrainingRun Resume(string directory, Checkpoint checkpoint, bool metricsConfirmed)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        return new(RunFolder.Resume(directory, checkpoint.Run.MetricsPath, checkpoint.State.EpochsDone, metricsConfirmed), checkpoint);
    }

    /// <summary>The checkpoint a resumed run continues from (null for a new run).</summary>
    public Checkpoint? From { get; }

    public string Directory => _folder.Directory;
    public string MetricsPath => _folder.MetricsPath;

    /// <summary>The metrics path as the checkpoint records it (relative when inside the folder).</summary>
    public string MetricsPathForCheckpoint => _folder.MetricsPathForCheckpoint;

    public string FinalModelPath => Path.Combine(Directory, RunModels.FinalName);
    public string BestModelPath => Path.Combine(Directory, RunModels.BestName);

    /// <summary>The epoch of the checkpoint on disk (0: none yet).</summary>
    public int SavedEpoch => _folder.SavedEpoch;

    /// <summary>The best epoch saved so far as model-best.gdm (null before the first epoch).</summary>
    public EpochMetrics? Best => _models?.Best;

    /// <summary>Whether every epoch the trainer was asked for is done.</summary>
    public bool IsComplete => _trainer is { } t && t.EpochsDone >= t.Options.Epochs;

    /// <summary>
    /// Binds the run to <paramref name="trainer"/>. A resumed run restores the trainer from the checkpoint
    /// (<see cref="Trainer.Restore"/> throws <see cref="ArgumentException"/> saying what does not fit), takes its best
    /// epoch from the history, and rewrites the metrics CSV with exactly the checkpoint's epochs.
    /// </summary>
    public void Attach(Trainer trainer, RunSettings settings)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        ArgumentNullException.ThrowIfNull(settings);
        if (_trainer is not null) throw new InvalidOperationException("The run is already attached to a trainer.");
        _trainer = trainer;
        _settings = settings;
        _models = new RunModels(Directory, trainer, settings);
        if (From is null) return;
        trainer.Restore(From.State);
        _models.Resume(trainer.History);
        _folder.WriteMetrics(trainer.History);
    }

    /// <summary>Saves a finished epoch: model-best.gdm when best, then the checkpoint, then the metrics CSV.</summary>
    public void EpochDone(EpochMetrics epoch)
    {
        var (trainer, models, settings) = Attached();
        _folder.Write($"the best model '{BestModelPath}'", BestModelPath, () => models.EpochDone(epoch));
        _folder.SaveEpoch(new Checkpoint(trainer.State, settings));
    }

    /// <summary>
    /// Writes model.gdm from the trainer's last epoch. Also the way to complete a run killed between its last
    /// checkpoint and model.gdm (or extended since): the checkpoint holds the final weights.
    /// </summary>
    public void Finish()
    {
        var (trainer, models, _) = Attached();
        if (trainer.History.Count == 0) throw new InvalidOperationException("No epoch has been trained.");
        _folder.Write($"the model '{FinalModelPath}'", FinalModelPath, () => models.RunDone(trainer.History[^1]));
    }

    /// <summary>Removes what this run created if no epoch was saved (a failed or interrupted first epoch).</summary>
    public void AbandonIfEmpty() => _folder.AbandonIfEmpty();

    private (Trainer, RunModels, RunSettings) Attached() =>
        _trainer is null ? throw new InvalidOperationException("Attach a trainer first.") : (_trainer, _models!, _settings!);

    /// <summary>Releases the folder's lock.</summary>
    public void Dispose() => _folder.Dispose();
}

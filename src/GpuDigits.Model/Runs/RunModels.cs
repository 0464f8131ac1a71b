using GpuDigits.Engine;
using System.Globalization;
using GpuDigits.Model.Persistence;
using GpuDigits.Model.Training;

namespace GpuDigits.Model.Runs;

/// <summary>
/// The model files of a training run: <c>model-best.gdm</c>, rewritten after every epoch whose test accuracy beats
/// every earlier epoch's, and <c>model.gdm</c>, the final weights, written when the run completes. Both are written
/// atomically, with the epoch's metrics and the run's settings as metadata.
/// </summary>
public sealed class RunModels(string directory, Trainer trainer, RunSettings settings)
{
    public const string FinalName = "model.gdm";
    public const string BestName = "model-best.gdm";

    private double _bestAccuracy = double.NegativeInfinity;

    public string FinalPath { get; } = Path.Combine(directory, FinalName);
    public string BestPath { get; } = Path.Combine(directory, BestName);

    /// <summary>The epoch saved as the best so far (null before the first epoch).</summary>
    public EpochMetrics? Best { get; private set; }

    /// <summary>
    /// Continues a resumed run: the best epoch so far is taken from <paramref name="history"/> (its model-best.gdm is
    /// already on disk), so only a later epoch that beats it rewrites the file.
    /// </summary>
    public void Resume(IReadOnlyList<EpochMetrics> history)
    {
        foreach (var epoch in history)
            if (epoch.TestAccuracy > _bestAccuracy)
            {
                _bestAccuracy = epoch.TestAccuracy;
                Best = epoch;
            }
    }

    /// <summary>Saves model-best.gdm if <paramref name="epoch"/> has the best test accuracy so far.</summary>
    public void EpochDone(EpochMetrics epoch)
    {
        if (!(epoch.TestAccuracy > _bestAccuracy)) return;
        ModelFormat.Save(Snapshot(epoch), BestPath);
        _bestAccuracy = epoch.TestAccuracy;
        Best = epoch;
    }

    /// <summary>Saves model.gdm with the weights as they are after the last epoch.</summary>
    public void RunDone(EpochMetrics last) => ModelFormat.Save(Snapshot(last), FinalPath);

    private ModelFile Snapshot(EpochMetrics epoch)
    {
        string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        var o = trainer.Options;
        var metadata = new Dictionary<string, string>
        {
            ["created"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            ["epoch"] = epoch.Epoch.ToString(CultureInfo.InvariantCulture),
            ["epochs"] = o.Epochs.ToString(CultureInfo.InvariantCulture),
            ["train_loss"] = F(epoch.TrainLoss),
            ["train_accuracy"] = F(epoch.TrainAccuracy),
            ["test_loss"] = F(epoch.TestLoss),
            ["test_accuracy"] = F(epoch.TestAccuracy),
            ["device"] = epoch.Device,
            ["optimizer"] = OptimizerCatalog.Get(o.Optimizer).Name,
            ["learning_rate"] = ((decimal)o.BaseLearningRate).ToString(CultureInfo.InvariantCulture), // 0.05f as "0.05"
            ["schedule"] = o.Schedule.ToString().ToLowerInvariant(),
            ["batch"] = o.BatchSize.ToString(CultureInfo.InvariantCulture),
            ["seed"] = o.Seed.ToString(CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in ModelFile.DataSetMetadata(settings.DataSet, settings.ClassNames)) metadata[key] = value;
        return ModelFile.FromNetwork(trainer.Network, trainer.Normalization, metadata);
    }
}

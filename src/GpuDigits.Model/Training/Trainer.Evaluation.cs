namespace GpuDigits.Model.Training;

/// <summary>Evaluation of the current weights over a labeled set, and the device-side loss and hit counters.</summary>
public sealed partial class Trainer
{
    private Evaluation Evaluate(DeviceDataset data)
    {
        ResetStats();
        int batch = Network.MaxRows;
        for (int start = 0; start < data.Count; start += batch)
        {
            int rows = Math.Min(batch, data.Count - start);
            _acc.Fill(_evaluationStart, start);
            _acc.GatherBatch(data.Pixels, data.Labels, data.Order, _evaluationStart, rows, data.Features,
                _mean, _invStd, _x, _y);
            Network.Forward(_x, rows);
            Network.Loss(_y, rows, _stats, withGradient: false);
        }
        ReadStats(out double loss, out double correct);
        return new Evaluation(loss / data.Count, correct / data.Count, data.Count);
    }

    private void ResetStats() => _acc.Fill(_stats, 0f);

    private void ReadStats(out double lossSum, out double correct)
    {
        _stats.CopyToHost(_statsHost);
        lossSum = _statsHost[0];
        correct = _statsHost[1];
    }
}

namespace GpuDigits.Model.Training;

/// <summary>Divergence: naming the first batch that went non-finite, and the checks that see it.</summary>
public sealed partial class Trainer
{
    /// <summary>
    /// Divergence was seen after batch <paramref name="seenAt"/>, and batches up to <paramref name="verified"/> were
    /// known good. Replays the epoch from <see cref="State"/> (same order, same steps; only the failure path pays for
    /// it) checking every batch after <paramref name="verified"/>, to name the first batch that went non-finite.
    /// Then goes back to <see cref="State"/>.
    /// </summary>
    private TrainingDivergedException Diverged(int epoch, int verified, int seenAt, int batches, string problem, float lr)
    {
        int first = verified + 1, last = seenAt;
        if (first < last)
        {
            Rewind();
            ResetStats();
            for (int b = 0; b < seenAt; b++)
            {
                int start = b * Options.BatchSize;
                TrainStep(start, Math.Min(Options.BatchSize, _train.Count - start), lr);
                if (b + 1 < first) continue;
                ReadStats(out double lossSum, out _);
                string? found = LossProblem(lossSum) ?? ParameterProblem();
                if (found is null) continue;
                (first, last, problem) = (b + 1, b + 1, found);
                break;
            }
        }
        Rewind();
        return new TrainingDivergedException(epoch, first, last, batches, problem, lr);
    }

    private static string? LossProblem(double lossSum) => double.IsFinite(lossSum) ? null : $"the loss is {lossSum}";

    /// <summary>Copies the parameters into the scratch buffers and names the first non-finite one, if any.</summary>
    private string? ParameterProblem()
    {
        var ps = Network.Parameters;
        for (int i = 0; i < ps.Count; i++) ps[i].Value.CopyToHost(_scratch.Parameters[i]);
        return NonFinite(_scratch.Parameters, _parameterNames, "parameter");
    }

    private static string? NonFinite(IReadOnlyList<float[]> tensors, string[]? names, string what)
    {
        for (int t = 0; t < tensors.Count; t++)
        {
            var values = tensors[t];
            for (int i = 0; i < values.Length; i++)
                if (!float.IsFinite(values[i]))
                    return $"{what} {names?[t] ?? t.ToString()} holds {values[i]} (at index {i:N0})";
        }
        return null;
    }
}

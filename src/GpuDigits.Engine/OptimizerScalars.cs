namespace GpuDigits.Engine;

/// <summary>
/// Layout of the small device buffer from which the optimizer ops (<see cref="Accelerator.SgdMomentumUpdate"/>,
/// <see cref="Accelerator.AdamUpdate"/>) read their per-step scalars when they run, so that a captured training step
/// needs no new arguments when they change.
/// </summary>
public static class OptimizerScalars
{
    /// <summary>Index of the learning rate.</summary>
    public const int LearningRate = 0;

    /// <summary>Index of Adam's first-moment bias correction 1 / (1 - beta1^step).</summary>
    public const int BiasCorrection1 = 1;

    /// <summary>Index of Adam's second-moment bias correction 1 / (1 - beta2^step).</summary>
    public const int BiasCorrection2 = 2;

    /// <summary>Elements the buffer holds.</summary>
    public const int Length = 3;

    /// <summary>
    /// Adam's bias corrections 1 / (1 - beta^step) for a 1-based <paramref name="step"/>, computed in float on the host
    /// (the one place they are computed).
    /// </summary>
    public static (float C1, float C2) AdamBiasCorrections(float beta1, float beta2, int step)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(step, 1);
        return (1f / (1f - MathF.Pow(beta1, step)), 1f / (1f - MathF.Pow(beta2, step)));
    }

    /// <summary>The buffer's contents for an SGD step at <paramref name="learningRate"/>.</summary>
    public static float[] Sgd(float learningRate) => [learningRate, 0f, 0f];

    /// <summary>The buffer's contents for Adam's 1-based <paramref name="step"/> at <paramref name="learningRate"/>.</summary>
    public static float[] Adam(float learningRate, float beta1, float beta2, int step)
    {
        var (c1, c2) = AdamBiasCorrections(beta1, beta2, step);
        return [learningRate, c1, c2];
    }
}

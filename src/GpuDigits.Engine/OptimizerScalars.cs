namespace GpuDigits.Engine;

/// <summary>
/// Layout of the small device buffer from which the optimizer ops can read their per-step scalars (the overloads of
/// <see cref="Accelerator.SgdMomentumUpdate(DeviceBuffer{float}, DeviceBuffer{float}, DeviceBuffer{float}, int, DeviceBuffer{float}, float)"/>
/// and <see cref="Accelerator.AdamUpdate(DeviceBuffer{float}, DeviceBuffer{float}, DeviceBuffer{float}, DeviceBuffer{float}, int, float, float, float, DeviceBuffer{float})"/>
/// that take one), so that a captured training step needs no new arguments when they change.
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
    /// Adam's bias corrections for a 1-based <paramref name="step"/>, computed in float exactly as every backend's
    /// by-value path computes them, so the two paths agree bit for bit.
    /// </summary>
    public static (float C1, float C2) AdamBiasCorrections(float beta1, float beta2, int step) =>
        (1f / (1f - MathF.Pow(beta1, step)), 1f / (1f - MathF.Pow(beta2, step)));
}

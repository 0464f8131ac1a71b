using GpuDigits.Engine;

namespace GpuDigits.Model.Layers;

/// <summary>Weight initialization drawn from the seeded generator.</summary>
public static class Initialization
{
    /// <summary>
    /// He normal (std = sqrt(2 / fanIn)) for ReLU layers, Xavier/Glorot uniform (limit = sqrt(6 / (fanIn + fanOut)))
    /// for sigmoid, tanh and the linear output layer. Returns fanIn x fanOut values, row-major.
    /// </summary>
    public static float[] Weights(int fanIn, int fanOut, Activation activation, SeededRandom random)
    {
        var w = new float[(long)fanIn * fanOut];
        if (activation == Activation.Relu)
        {
            double std = Math.Sqrt(2.0 / fanIn);
            for (int i = 0; i < w.Length; i++) w[i] = (float)(random.NextGaussian() * std);
        }
        else
        {
            double limit = Math.Sqrt(6.0 / (fanIn + fanOut));
            for (int i = 0; i < w.Length; i++) w[i] = (float)((2 * random.NextDouble() - 1) * limit);
        }
        return w;
    }

    /// <summary>Xavier/Glorot uniform, limit = sqrt(6 / (fanIn + fanOut)), whatever the activation (Keras's default).</summary>
    public static float[] Glorot(long count, int fanIn, int fanOut, SeededRandom random)
    {
        var w = new float[count];
        double limit = Math.Sqrt(6.0 / (fanIn + fanOut));
        for (int i = 0; i < w.Length; i++) w[i] = (float)((2 * random.NextDouble() - 1) * limit);
        return w;
    }
}

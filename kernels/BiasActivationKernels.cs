using ILGPU;
using ILGPU.Runtime;

namespace GpuDigits.Kernels;

/// <summary>
/// Bias add and the activations, forward and backward: elementwise kernels, each a 1-D grid-stride loop (thread g of
/// G handles elements g, g + G, ...), so any grid covers any length.
/// </summary>
public static class BiasActivationKernels
{
    /// <summary>x[r, c] += bias[c] for a rows x cols matrix (count = rows * cols elements).</summary>
    public static void BiasAdd(ArrayView<float> x, ArrayView<float> bias, int count, int cols)
    {
        for (int i = Grid.GlobalIndex.X; i < count; i += Grid.DimX * Group.DimX)
            x[i] += bias[i % cols];
    }

    /// <summary>y[i] = f(x[i]); x and y may be the same view.</summary>
    public static void ActivationForward(ArrayView<float> x, ArrayView<float> y, int count, int activation)
    {
        for (int i = Grid.GlobalIndex.X; i < count; i += Grid.DimX * Group.DimX)
            y[i] = Activations.Apply(x[i], activation);
    }

    /// <summary>dx[i] = dy[i] * f'(x[i]), f' written through the forward output y; dx may alias dy.</summary>
    public static void ActivationBackward(ArrayView<float> y, ArrayView<float> dy, ArrayView<float> dx, int count,
        int activation)
    {
        for (int i = Grid.GlobalIndex.X; i < count; i += Grid.DimX * Group.DimX)
            dx[i] = Activations.Backward(y[i], dy[i], activation);
    }
}

using ILGPU;
using ILGPU.Runtime;

namespace GpuDigits.Kernels;

/// <summary>
/// view[i] = value for every element, 1-D grid-stride. A kernel rather than ILGPU's MemSet, which sets bytes only:
/// the host writes a float learning rate or an int batch position this way, in order with the other ops and
/// without waiting, so a recorded step picks it up on its next replay.
/// </summary>
public static class FillKernels
{
    public static void Fill<T>(ArrayView<T> view, T value) where T : unmanaged
    {
        for (int i = Grid.GlobalIndex.X; i < view.IntLength; i += Grid.DimX * Group.DimX)
            view[i] = value;
    }
}

using GpuDigits.Engine.Kernels;

namespace GpuDigits.Engine.OpenCL;

/// <summary>Launcher of kernels/reductions.cl: 2-D groups, 32 columns by 8 row lanes where the device allows.</summary>
public sealed partial class OpenClAccelerator
{
    /// <summary>GD_COLSUM_MAX_WG in reductions.cl: the capacity of its local partial-sum array.</summary>
    private const int ColumnSumsMaxGroup = 256;

    protected override void ColumnSumsCore(DeviceBuffer<float> x, int rows, int cols, DeviceBuffer<float> sums, float beta)
    {
        lock (_sync)
        {
            var kernel = Kernel(KernelSources.Reductions, "column_sums");
            int limit = Math.Min(ColumnSumsMaxGroup, kernel.MaxWorkGroupSize);
            int wx = Math.Max(1, Math.Min(32, Math.Min(limit, MaxItems(0))));
            int wy = Math.Max(1, Math.Min(Math.Min(8, Math.Max(rows, 1)), Math.Min(limit / wx, MaxItems(1))));
            long groups = (cols + (long)wx - 1) / wx;
            Args(kernel).Buffer(x).Int(rows).Int(cols).Buffer(sums).Float(beta).Run2D(groups * wx, wy, wx, wy);
        }
    }
}

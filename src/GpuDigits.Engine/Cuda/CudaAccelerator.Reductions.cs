using GpuDigits.Engine.Kernels;

namespace GpuDigits.Engine.Cuda;

/// <summary>Launcher of kernels/reductions.cl: 2-D blocks of 32 columns by 8 row lanes where the device allows.</summary>
public sealed partial class CudaAccelerator
{
    /// <summary>GD_COLSUM_MAX_WG in reductions.cl: the capacity of its shared partial-sum array.</summary>
    private const int ColumnSumsMaxBlock = 256;

    protected override void ColumnSumsCore(DeviceBuffer<float> x, int rows, int cols, DeviceBuffer<float> sums, float beta)
    {
        lock (_sync)
        {
            var function = Function(KernelSources.Reductions, "column_sums");
            int limit = Math.Min(ColumnSumsMaxBlock, function.MaxThreadsPerBlock);
            int wx = Math.Max(1, Math.Min(32, Math.Min(limit, _device.MaxBlockDimX)));
            int wy = Math.Max(1, Math.Min(Math.Min(8, Math.Max(rows, 1)), Math.Min(limit / wx, _device.MaxBlockDimY)));
            long blocks = (cols + (long)wx - 1) / wx;
            Args(function).Buffer(x).Int(rows).Int(cols).Buffer(sums).Float(beta).Run((uint)blocks, 1, (uint)wx, (uint)wy);
        }
    }
}

using GpuDigits.Engine.Kernels;

namespace GpuDigits.Engine.Cuda;

/// <summary>Launcher of kernels/gemm.cl: picks a tiling the device can run, builds it once, launches one block per C block.</summary>
public sealed partial class CudaAccelerator
{
    private const string GemmTilingVariable = "GPUDIGITS_CUDA_GEMM_TILING";

    private GemmVariants? _gemm;

    private sealed record GemmVariants(GemmTiling Tiling, CudaModule Module,
        CudaFunction NN, CudaFunction NT, CudaFunction TN, CudaFunction TT);

    /// <summary>The GEMM blocking used on this device (chosen, and gemm.cl built, on first use).</summary>
    public GemmTiling GemmTiling
    {
        get
        {
            lock (_sync) return EnsureGemm().Tiling;
        }
    }

    protected override void GemmCore(bool transA, bool transB, int m, int n, int k, float alpha,
        DeviceBuffer<float> a, DeviceBuffer<float> b, float beta, DeviceBuffer<float> c,
        DeviceBuffer<float>? bias, Activation activation)
    {
        lock (_sync)
        {
            var g = EnsureGemm();
            var function = transA ? (transB ? g.TT : g.TN) : (transB ? g.NT : g.NN);
            var t = g.Tiling;
            long blocksX = (n + (long)t.TileN - 1) / t.TileN;
            long blocksY = (m + (long)t.TileM - 1) / t.TileM;
            if (blocksY > _device.MaxGridDimY)
                throw new AcceleratorException($"GEMM with m = {m} needs {blocksY} blocks along y; {Info.Id} allows {_device.MaxGridDimY}.");
            Args(function).Int(m).Int(n).Int(k).Float(alpha).Buffer(a).Buffer(b).Float(beta).Buffer(c)
                .Buffer(bias).Int(bias is null ? 0 : 1).Int((int)activation)
                .Run((uint)blocksX, (uint)blocksY, (uint)t.GroupX, (uint)t.GroupY);
        }
    }

    /// <summary>Builds gemm.cl with the first candidate tiling whose block and shared memory fit. Call under the lock.</summary>
    private GemmVariants EnsureGemm()
    {
        MakeCurrent();
        if (_gemm is not null) return _gemm;

        IReadOnlyList<GemmTiling> candidates = GemmTiling.Candidates;
        var forced = Environment.GetEnvironmentVariable(GemmTilingVariable);
        if (!string.IsNullOrWhiteSpace(forced))
        {
            var parsed = GemmTiling.Parse(forced) ?? throw new AcceleratorException(
                $"{GemmTilingVariable}='{forced}' is not a valid TM,TN,TK,WM,WN tiling (tiles divisible by the per-item block, " +
                "each k slice divisible by the thread count).");
            candidates = [parsed];
        }

        var rejected = new List<string>();
        foreach (var t in candidates)
        {
            if (t.WorkItems > _device.MaxThreadsPerBlock || t.GroupX > _device.MaxBlockDimX || t.GroupY > _device.MaxBlockDimY)
            {
                rejected.Add($"{t}: block larger than the device allows ({_device.MaxThreadsPerBlock} threads)");
                continue;
            }
            if (t.LocalMemoryBytes > _device.SharedMemoryPerBlock)
            {
                rejected.Add($"{t}: needs {t.LocalMemoryBytes} bytes of shared memory, the device has {_device.SharedMemoryPerBlock}");
                continue;
            }
            var module = LoadModule(KernelSources.Gemm, KernelSources.Read(KernelSources.Gemm), t.Defines);
            var functions = new[] { "gemm_nn", "gemm_nt", "gemm_tn", "gemm_tt" }.Select(module.GetFunction).ToArray();
            int limit = functions.Min(f => f.MaxThreadsPerBlock);
            if (limit < t.WorkItems)
            {
                module.Dispose();
                rejected.Add($"{t}: the compiled kernel runs at most {limit} threads per block");
                continue;
            }
            return _gemm = new GemmVariants(t, module, functions[0], functions[1], functions[2], functions[3]);
        }
        throw new AcceleratorException($"No GEMM tiling runs on {Info.Id} ({Info.Name}): {string.Join("; ", rejected)}.");
    }

    private void DisposeGemm()
    {
        _gemm?.Module.Dispose();
        _gemm = null;
    }
}

using GpuDigits.Engine.Kernels;

namespace GpuDigits.Engine.OpenCL;

/// <summary>Launcher of kernels/gemm.cl: picks a tiling the device can run, builds it once, launches one group per C block.</summary>
public sealed partial class OpenClAccelerator
{
    private const string GemmTilingVariable = "GPUDIGITS_OPENCL_GEMM_TILING";

    private GemmVariants? _gemm;

    private sealed record GemmVariants(GemmTiling Tiling, OpenClProgram Program,
        OpenClKernel NN, OpenClKernel NT, OpenClKernel TN, OpenClKernel TT);

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
            var kernel = transA ? (transB ? g.TT : g.TN) : (transB ? g.NT : g.NN);
            var t = g.Tiling;
            long groupsX = (n + (long)t.TileN - 1) / t.TileN;
            long groupsY = (m + (long)t.TileM - 1) / t.TileM;
            Args(kernel).Int(m).Int(n).Int(k).Float(alpha).Buffer(a).Buffer(b).Float(beta).Buffer(c)
                .Buffer(bias).Int(bias is null ? 0 : 1).Int((int)activation)
                .Run2D(groupsX * t.GroupX, groupsY * t.GroupY, t.GroupX, t.GroupY);
        }
    }

    /// <summary>Builds gemm.cl with the first candidate tiling whose work-group and local memory fit. Call under the lock.</summary>
    private GemmVariants EnsureGemm()
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if (_gemm is not null) return _gemm;

        IReadOnlyList<GemmTiling> candidates = GemmTiling.Candidates;
        var forced = Environment.GetEnvironmentVariable(GemmTilingVariable);
        if (!string.IsNullOrWhiteSpace(forced))
        {
            var parsed = GemmTiling.Parse(forced) ?? throw new AcceleratorException(
                $"{GemmTilingVariable}='{forced}' is not a valid TM,TN,TK,WM,WN tiling (tiles divisible by the per-item block, " +
                "each k slice divisible by the work-item count).");
            candidates = [parsed];
        }

        var rejected = new List<string>();
        foreach (var t in candidates)
        {
            if (t.WorkItems > _device.MaxWorkGroupSize || t.GroupX > MaxItems(0) || t.GroupY > MaxItems(1))
            {
                rejected.Add($"{t}: work-group larger than the device allows ({_device.MaxWorkGroupSize})");
                continue;
            }
            if (t.LocalMemoryBytes > _device.LocalMemoryBytes)
            {
                rejected.Add($"{t}: needs {t.LocalMemoryBytes} bytes of local memory, the device has {_device.LocalMemoryBytes}");
                continue;
            }
            var program = BuildProgram(KernelSources.Gemm, KernelSources.Read(KernelSources.Gemm), t.CompilerOptions);
            var kernels = new[] { "gemm_nn", "gemm_nt", "gemm_tn", "gemm_tt" }.Select(program.CreateKernel).ToArray();
            int limit = kernels.Min(x => x.MaxWorkGroupSize);
            if (limit < t.WorkItems)
            {
                program.Dispose();
                rejected.Add($"{t}: the compiled kernel runs at most {limit} work-items per group");
                continue;
            }
            return _gemm = new GemmVariants(t, program, kernels[0], kernels[1], kernels[2], kernels[3]);
        }
        throw new AcceleratorException($"No GEMM tiling runs on {Info.Id} ({Info.Name}): {string.Join("; ", rejected)}.");
    }

    private void DisposeGemm()
    {
        _gemm?.Program.Dispose();
        _gemm = null;
    }
}

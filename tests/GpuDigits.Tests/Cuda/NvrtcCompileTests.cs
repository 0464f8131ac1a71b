using System.Text;
using GpuDigits.Engine;
using GpuDigits.Engine.Cuda;
using GpuDigits.Engine.Kernels;
using NUnit.Framework;

namespace GpuDigits.Tests.Cuda;

/// <summary>
/// The kernel sources compile with NVRTC through the header's CUDA branch. NVRTC is a host library and needs no GPU,
/// so these run wherever libnvrtc is installed (CI installs it) and are ignored, with the reason, elsewhere.
/// </summary>
[TestFixture]
public class NvrtcCompileTests
{
    private NvrtcCompiler _nvrtc = null!;
    private int _arch;

    [OneTimeSetUp]
    public void Open()
    {
        _nvrtc = CudaTestDevice.CompilerOrIgnore();
        // Compile for compute 7.5, or the oldest target of an NVRTC that no longer reaches it.
        _arch = NvrtcCompiler.ChooseArchitecture(75, _nvrtc.SupportedArchitectures) ?? _nvrtc.SupportedArchitectures![0];
        TestContext.Out.WriteLine($"{_nvrtc}, targets {string.Join(", ", _nvrtc.SupportedArchitectures ?? [])}");
    }

    private string Ptx(string file, string source, params string[] defines) =>
        Encoding.UTF8.GetString(_nvrtc.CompileToPtx(file, KernelSources.Compose(file, source), NvrtcCompiler.Options(_arch, defines)));

    private static readonly Dictionary<string, string[]> Entries = new()
    {
        [KernelSources.Gemm] = ["gemm_nn", "gemm_nt", "gemm_tn", "gemm_tt"],
        [KernelSources.BiasActivation] = ["bias_add", "activation_forward", "activation_backward"],
        [KernelSources.SoftmaxCrossEntropy] = ["softmax_xent"],
        [KernelSources.Reductions] = ["column_sums"],
        [KernelSources.Optimizers] = ["sgd_momentum", "adam"],
        [KernelSources.Gather] = ["gather_batch"],
    };

    [TestCaseSource(typeof(KernelSources), nameof(KernelSources.KernelFiles))]
    public void EmbeddedKernelFileCompilesToPtxWithUnmangledEntryPoints(string file)
    {
        var ptx = Ptx(file, KernelSources.Read(file));
        Assert.That(PtxCache.LooksLikePtx(Encoding.UTF8.GetBytes(ptx)), Is.True);
        Assert.That(ptx, Does.Contain($".target sm_{_arch}"));
        foreach (var entry in Entries[file])
            Assert.That(ptx, Does.Contain($".entry {entry}("), $"{file}: extern \"C\" kernel {entry}");
    }

    [Test]
    public void GemmKernelsCarryTheirLaunchBoundsFromTheHeader()
    {
        // GD_WORK_GROUP_SIZE(16, 16) becomes __launch_bounds__(256) on CUDA, which PTX records as .maxntid.
        var ptx = Ptx(KernelSources.Gemm, KernelSources.Read(KernelSources.Gemm));
        Assert.That(System.Text.RegularExpressions.Regex.Matches(ptx, @"\.maxntid 256, 1, 1"), Has.Count.EqualTo(4));
    }

    [Test]
    public void GemmCompilesWithEveryTilingACudaDeviceCanPick()
    {
        // Every CUDA device runs 256-thread blocks, so the first candidate is always taken; the smaller ones are
        // there for OpenCL devices and GPUDIGITS_CUDA_GEMM_TILING. (The 1-thread fallback takes NVRTC minutes to unroll.)
        foreach (var tiling in GemmTiling.Candidates.Where(t => t.WorkItems >= 16))
        {
            var ptx = Ptx(KernelSources.Gemm, KernelSources.Read(KernelSources.Gemm), [.. tiling.Defines]);
            Assert.That(ptx, Does.Contain($".maxntid {tiling.WorkItems}, 1, 1"), tiling.ToString());
        }
    }

    [Test]
    public void KernelWithACompileErrorReportsFileNameAndLog()
    {
        const string broken = """
            GD_KERNEL void broken(GD_GLOBAL float* x)
            {
                x[GD_GLOBAL_ID(0)] = gd_no_such_symbol * 2.0f;
            }
            """;
        var ex = Assert.Throws<CudaCompileException>(() => Ptx("broken_kernel.cl", broken))!;
        Assert.That(ex, Is.InstanceOf<AcceleratorException>());
        Assert.That(ex.FileName, Is.EqualTo("broken_kernel.cl"));
        Assert.That(ex.Message, Does.Contain("broken_kernel.cl").And.Contain("NVRTC " + _nvrtc.Version).And.Contain($"compute_{_arch}"));
        // The identifier appears only in the compiler's diagnostics, so finding it proves the log is there.
        Assert.That(ex.Log, Does.Contain("gd_no_such_symbol"));
        Assert.That(ex.Message, Does.Contain(ex.Log.TrimEnd()));
    }

    [Test]
    public void CompileLogPointsIntoTheKernelFileNotTheHeader()
    {
        const string broken = "GD_KERNEL void k(GD_GLOBAL float* x)\n{\n    x[0] = gd_missing_here;\n}\n";
        var ex = Assert.Throws<CudaCompileException>(() => Ptx("line_check.cl", broken))!;
        Assert.That(ex.Log, Does.Contain("line_check.cl(3)"));
    }

    [Test]
    public void InconsistentGemmTilingIsRejectedByTheSource()
    {
        var ex = Assert.Throws<CudaCompileException>(() => Ptx(KernelSources.Gemm, KernelSources.Read(KernelSources.Gemm),
            "-DGD_GEMM_TILE_M=48", "-DGD_GEMM_WPT_M=5"))!;
        Assert.That(ex.Log, Does.Contain("GD_GEMM_TILE_M/N must be multiples"));
    }

    [Test]
    public void SupportedArchitecturesAreListedAscending()
    {
        var archs = _nvrtc.SupportedArchitectures;
        Assert.That(archs, Is.Not.Null.And.Not.Empty);
        Assert.That(archs, Is.Ordered.Ascending);
        Assert.That(archs, Has.All.InRange(30, 200));
    }

    [Test]
    public void CompiledPtxIsServedFromTheCacheTheSecondTime()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"gpudigits-ptx-test-{Guid.NewGuid():N}");
        try
        {
            var cache = new PtxCache(folder);
            var source = KernelSources.Compose(KernelSources.Optimizers);
            var options = NvrtcCompiler.Options(_arch, []);
            var first = cache.GetOrCompile(KernelSources.Optimizers, source, options, _nvrtc.Version,
                () => _nvrtc.CompileToPtx(KernelSources.Optimizers, source, options));
            var second = cache.GetOrCompile(KernelSources.Optimizers, source, options, _nvrtc.Version,
                () => throw new AssertionException("compiled again"));
            Assert.That(second, Is.EqualTo(first));
            Assert.That((cache.Misses, cache.Hits), Is.EqualTo((1, 1)));
            Assert.That(Directory.GetFiles(folder).Select(Path.GetFileName),
                Is.EqualTo(new[] { PtxCache.FileName(KernelSources.Optimizers, options, _nvrtc.Version, PtxCache.Key(source, options, _nvrtc.Version)) }));
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }
}

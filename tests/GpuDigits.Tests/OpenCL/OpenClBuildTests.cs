using GpuDigits.Engine;
using GpuDigits.Engine.Kernels;
using GpuDigits.Engine.OpenCL;
using NUnit.Framework;

namespace GpuDigits.Tests.OpenCL;

/// <summary>Program building: the embedded kernel files compile, and a broken one reports its file and build log.</summary>
[TestFixture]
public class OpenClBuildTests
{
    private OpenClAccelerator _acc = null!;

    [OneTimeSetUp]
    public void Open() => _acc = OpenClTestDevice.OpenOrIgnore();

    [OneTimeTearDown]
    public void Close() => _acc?.Dispose();

    [Test]
    public void KernelWithACompileErrorReportsFileNameAndBuildLog()
    {
        const string broken = """
            GD_KERNEL void broken(GD_GLOBAL float* x)
            {
                x[GD_GLOBAL_ID(0)] = gd_no_such_symbol * 2.0f;
            }
            """;

        var ex = Assert.Throws<OpenClBuildException>(() => _acc.BuildProgram("broken_kernel.cl", broken).Dispose())!;

        Assert.That(ex, Is.InstanceOf<AcceleratorException>());
        Assert.That(ex.StatusName, Is.EqualTo("CL_BUILD_PROGRAM_FAILURE"));
        Assert.That(ex.FileName, Is.EqualTo("broken_kernel.cl"));
        Assert.That(ex.Message, Does.Contain("broken_kernel.cl"));
        Assert.That(ex.Message, Does.Contain("CL_BUILD_PROGRAM_FAILURE"));
        // The undeclared identifier appears only in the compiler's diagnostics, so finding it proves the log is there.
        Assert.That(ex.BuildLog, Does.Contain("gd_no_such_symbol"));
        Assert.That(ex.Message, Does.Contain(ex.BuildLog.TrimEnd()));
    }

    [Test]
    public void BuildLogPointsIntoTheKernelFileNotTheHeader()
    {
        // Line 3 of the file: the #line markers put the file name and its own line numbers into the diagnostics.
        const string broken = "GD_KERNEL void k(GD_GLOBAL float* x)\n{\n    x[0] = gd_missing_here;\n}\n";
        var ex = Assert.Throws<OpenClBuildException>(() => _acc.BuildProgram("line_check.cl", broken).Dispose())!;
        Assert.That(ex.BuildLog, Does.Contain("line_check.cl:3"));
    }

    [TestCaseSource(typeof(KernelSources), nameof(KernelSources.KernelFiles))]
    public void EmbeddedKernelFileBuilds(string file) =>
        Assert.DoesNotThrow(() => _acc.BuildProgram(file, KernelSources.Read(file)).Dispose());

    [Test]
    public void GemmBuildsWithEveryCandidateTiling()
    {
        foreach (var tiling in GemmTiling.Candidates)
        {
            Assert.That(tiling.IsValid, Is.True, tiling.ToString());
            Assert.DoesNotThrow(() => _acc.BuildProgram(KernelSources.Gemm, KernelSources.Read(KernelSources.Gemm),
                tiling.CompilerOptions).Dispose(), tiling.ToString());
        }
    }

    [Test]
    public void InconsistentGemmTilingIsRejectedByTheSource()
    {
        // 48 is not a multiple of the 5-wide per-item block: gemm.cl's #error must stop the build.
        var ex = Assert.Throws<OpenClBuildException>(() => _acc.BuildProgram(KernelSources.Gemm,
            KernelSources.Read(KernelSources.Gemm), "-DGD_GEMM_TILE_M=48 -DGD_GEMM_WPT_M=5").Dispose())!;
        Assert.That(ex.BuildLog, Does.Contain("GD_GEMM_TILE_M/N must be multiples"));
    }
}

using GpuDigits.Engine;
using GpuDigits.Engine.Ilgpu;
using GpuDigits.Kernels;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using NUnit.Framework;

namespace GpuDigits.Tests.Ilgpu;

/// <summary>
/// Every kernel compiles ahead of time to PTX for the GPU generations we target (sm_80, A100; sm_90, H100/H200),
/// with no GPU present: static shared memory, no unsupported intrinsic, an entry point per kernel.
/// </summary>
public sealed class PtxCompileTests
{
    public static IEnumerable<TestCaseData> Kernels()
    {
        foreach (var arch in new[] { CudaArchitecture.SM_80, CudaArchitecture.SM_90 })
            foreach (var name in Entries().Select(k => k.Name))
                yield return new TestCaseData(name, arch).SetName($"{{m}}({name}, sm_{arch.Major}{arch.Minor})");
    }

    /// <summary>The catalog's kernels and the optimizer step of every optimizer.</summary>
    private static IEnumerable<IKernelEntry> Entries() => KernelCatalog.All().Concat(OptimizerCatalog.All.Select(o => o.Kernel));

    [TestCaseSource(nameof(Kernels))]
    public void CompilesToPtx(string kernel, CudaArchitecture architecture)
    {
        var method = Entries().Single(k => k.Name == kernel).Method;
        using var backend = new PTXBackend(IlgpuRuntime.Context, architecture, CudaInstructionSet.ISA_80, null!);
        var entry = EntryPointDescription.FromExplicitlyGroupedKernel(method);
        var compiled = (PTXCompiledKernel)backend.Compile(entry, KernelSpecialization.Empty);
        string ptx = compiled.PTXAssembly;
        Assert.That(ptx, Does.Contain(".entry"), "one kernel entry point");
        Assert.That(ptx, Does.Match(@"\.target sm_(\d+)"));
        int target = int.Parse(System.Text.RegularExpressions.Regex.Match(ptx, @"\.target sm_(\d+)").Groups[1].Value);
        Assert.That(target, Is.LessThanOrEqualTo(architecture.Major * 10 + architecture.Minor), "runs on the architecture asked for");
        if (kernel.StartsWith("Gemm", StringComparison.Ordinal) || kernel is "Rows" or "Totals" or "ColumnSums")
            Assert.That(ptx, Does.Contain(".shared"), "tiles and reductions stage data in shared memory");
        if (kernel is "Rows" or "Totals" or "ColumnSums")
            Assert.That(ptx, Does.Not.Contain("atom."), "reductions are fixed-order trees, no atomics");
    }
}

using GpuDigits.Engine.Kernels;
using NUnit.Framework;

namespace GpuDigits.Tests.OpenCL;

/// <summary>The kernel sources ship inside the engine assembly, identical to the files of kernels/.</summary>
[TestFixture]
public class KernelResourceTests
{
    private static DirectoryInfo KernelsFolder()
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = new DirectoryInfo(Path.Combine(dir.FullName, "kernels"));
            if (File.Exists(Path.Combine(candidate.FullName, "README.md"))) return candidate;
        }
        Assert.Fail("kernels/README.md not found above " + TestContext.CurrentContext.TestDirectory);
        return null!;
    }

    [Test]
    public void EveryKernelFileIsEmbeddedVerbatim()
    {
        var files = KernelsFolder().GetFiles("*.cl").Concat(KernelsFolder().GetFiles("*.h")).ToArray();
        Assert.That(files, Is.Not.Empty);
        var embedded = KernelSources.EmbeddedFileNames();
        foreach (var file in files)
        {
            Assert.That(embedded, Does.Contain(file.Name), $"{file.Name} is not an embedded resource");
            Assert.That(KernelSources.Read(file.Name), Is.EqualTo(File.ReadAllText(file.FullName)), $"{file.Name} differs");
        }
        Assert.That(embedded, Has.Count.EqualTo(files.Length), "embedded resources without a file in kernels/");
    }

    [Test]
    public void EveryOpFamilyAndTheHeaderAreEmbedded()
    {
        Assert.That(KernelSources.KernelFiles, Is.EquivalentTo(new[]
            { "gemm.cl", "bias_activation.cl", "softmax_xent.cl", "reductions.cl", "optimizers.cl", "gather.cl" }));
        Assert.That(KernelSources.EmbeddedFileNames(), Is.SupersetOf(KernelSources.KernelFiles.Append(KernelSources.Header)));
    }

    [Test]
    public void ComposedSourceIsHeaderThenFileWithLineMarkers()
    {
        var text = KernelSources.Compose(KernelSources.Gemm);
        int header = text.IndexOf("#line 1 \"gd_portable.h\"", StringComparison.Ordinal);
        int file = text.IndexOf("#line 1 \"gemm.cl\"", StringComparison.Ordinal);
        Assert.That(header, Is.EqualTo(0));
        Assert.That(file, Is.GreaterThan(text.IndexOf("#define GD_KERNEL", StringComparison.Ordinal)));
        Assert.That(text, Does.EndWith(KernelSources.Read(KernelSources.Gemm)));
    }

    [Test]
    public void MissingKernelFileIsAnAcceleratorException() =>
        Assert.Throws<GpuDigits.Engine.AcceleratorException>(() => KernelSources.Read("no_such_kernel.cl"));
}

using GpuDigits.Engine;
using GpuDigits.Engine.Ilgpu;
using NUnit.Framework;

namespace GpuDigits.Tests.Ilgpu;

/// <summary>The GPUDIGITS_CUDA_GRAPHS switch, which needs no GPU to check.</summary>
public sealed class GraphSettingTests
{
    [TestCase(null, true)]
    [TestCase("", true)]
    [TestCase("on", true)]
    [TestCase(" 1 ", true)]
    [TestCase("TRUE", true)]
    [TestCase("off", false)]
    [TestCase("0", false)]
    [TestCase("no", false)]
    public void TheGraphsSwitchIsReadFromTheEnvironmentValue(string? text, bool expected) =>
        Assert.That(IlgpuAccelerator.ParseGraphsSetting(text), Is.EqualTo(expected));

    [Test]
    public void AnUnknownGraphsSettingIsAClearError()
    {
        var ex = Assert.Throws<AcceleratorException>(() => IlgpuAccelerator.ParseGraphsSetting("sometimes"))!;
        Assert.That(ex.Message, Does.Contain("GPUDIGITS_CUDA_GRAPHS='sometimes'").And.Contain("on, off"));
    }
}

using GpuDigits.Engine;
using GpuDigits.Engine.Ilgpu;
using GpuDigits.Tests.Engine;
using ILGPU;
using ILGPU.Runtime;
using NUnit.Framework;

namespace GpuDigits.Tests.Ilgpu;

/// <summary>
/// An out-of-bounds access in a kernel on ILGPU's CPU accelerator fails the test that made it, with a clear
/// message, instead of ending the test run (the bounds check's default listener would end the process).
/// </summary>
public sealed class KernelAssertionTests
{
    /// <summary>Reads one element past the end of its input.</summary>
    private static void ReadsPastTheEnd(ArrayView<float> x, ArrayView<float> y)
    {
        if (Grid.GlobalIndex.X == 0) y[0] = x[x.IntLength];
    }

    [Test]
    public void AnOutOfBoundsReadIsAnAcceleratorExceptionAndTheDeviceStaysUsable()
    {
        using var acc = (IlgpuAccelerator)IlgpuTestDevice.OpenOrIgnore("ilgpu-cpu");
        using var x = acc.Upload<float>([1f, 2f, 3f]);
        using var y = acc.Allocate<float>(1);
        acc.LaunchForTests((device, stream) =>
        {
            var kernel = device.LoadKernel<ArrayView<float>, ArrayView<float>>(ReadsPastTheEnd);
            kernel(stream, new KernelConfig(1, 4), acc.ViewForTests(x), acc.ViewForTests(y));
        });
        var ex = Assert.Throws<GpuDigits.Engine.AcceleratorException>(() => y.ToArray())!;
        Assert.That(ex.Message, Does.Contain("ilgpu-cpu").And.Contain("bounds check"));
        acc.ActivationForward(Activation.Relu, x, x, 3);
        Assert.That(x.ToArray(), Is.EqualTo(new[] { 1f, 2f, 3f }), "the next op runs normally");
    }
}

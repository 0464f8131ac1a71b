using GpuDigits.Engine;
using GpuDigits.Engine.Cpu;
using GpuDigits.Model.Training;
using NUnit.Framework;

namespace GpuDigits.Tests.Model;

/// <summary>The memory check reads whether a device's buffers are host memory from the device's description alone.</summary>
public class TrainingMemoryTests
{
    private static AcceleratorInfo Device(bool sharesHost, long memory) =>
        new(AcceleratorKind.OpenCL, "opencl:0", "test device", memory, 4, "", IsGpu: !sharesHost, SharesHostMemory: sharesHost);

    [Test]
    public void ADeviceOfItsOwnIsLimitedByItsMemory()
    {
        var need = new TrainingMemory.Estimate(DeviceBytes: 2_000, HostBytes: 100);
        var ex = Assert.Throws<DeviceOutOfMemoryException>(() => TrainingMemory.Check(need, Device(false, 1_000), 1_000_000, "this run"))!;
        Assert.That(ex.DeviceId, Is.EqualTo("opencl:0"));
        Assert.That(ex.Message, Does.Contain("on the device"));
        Assert.DoesNotThrow(() => TrainingMemory.Check(need, Device(false, 2_000), 1_000_000, "this run"));
    }

    [Test]
    public void ADeviceThatSharesHostMemoryCountsAgainstTheHost()
    {
        var need = new TrainingMemory.Estimate(DeviceBytes: 2_000, HostBytes: 100);
        // Its own reported memory is no limit; the host's is, for both shares together.
        Assert.DoesNotThrow(() => TrainingMemory.Check(need, Device(true, 1), 2_100, "this run"));
        var ex = Assert.Throws<DeviceOutOfMemoryException>(() => TrainingMemory.Check(need, Device(true, 1), 2_099, "this run"))!;
        Assert.That(ex.Message, Does.Contain("host memory"));
        // A device of its own leaves the device share off the host's count.
        Assert.DoesNotThrow(() => TrainingMemory.Check(need, Device(false, 2_000), 100, "this run"));
    }

    [Test]
    public void TheBackendsSayWhetherTheyShareHostMemory()
    {
        // Every device this machine has: the CPU backends and any OpenCL CPU device share host memory, a GPU does not.
        foreach (var device in AcceleratorCatalog.Default().Devices)
            Assert.That(device.SharesHostMemory, Is.EqualTo(!device.IsGpu), device.Id);
        Assert.That(CpuAcceleratorProvider.Describe().SharesHostMemory, Is.True);
    }
}

using GpuDigits.Engine;
using GpuDigits.Engine.OpenCL;
using GpuDigits.Engine.OpenCL.Native;
using NUnit.Framework;

namespace GpuDigits.Tests.OpenCL;

/// <summary>Discovery, catalog placement, errors and buffers of the OpenCL backend.</summary>
[TestFixture]
public class OpenClBackendTests
{
    [Test]
    public void MissingLoaderMeansNoDevicesAndAReason()
    {
        var provider = new OpenClAcceleratorProvider(["libgpudigits-no-such-opencl.so.1"]);
        Assert.That(provider.Discover(), Is.Empty);
        Assert.That(provider.UnavailableReason, Does.Contain("libgpudigits-no-such-opencl.so.1"));
    }

    [Test]
    public void CatalogListsOpenClBeforeTheCpu()
    {
        var kinds = AcceleratorCatalog.BuiltInProviders().Select(p => p.Kind).ToList();
        Assert.That(kinds, Does.Contain(AcceleratorKind.OpenCL));
        Assert.That(kinds.IndexOf(AcceleratorKind.OpenCL), Is.LessThan(kinds.IndexOf(AcceleratorKind.Cpu)));
    }

    [Test]
    public void StatusCodesAreReportedByName()
    {
        Assert.That(ClStatus.Name(-5), Is.EqualTo("CL_OUT_OF_RESOURCES"));
        Assert.That(ClStatus.Name(-4), Is.EqualTo("CL_MEM_OBJECT_ALLOCATION_FAILURE"));
        Assert.That(ClStatus.Name(-11), Is.EqualTo("CL_BUILD_PROGRAM_FAILURE"));
        Assert.That(ClStatus.Name(-54), Is.EqualTo("CL_INVALID_WORK_GROUP_SIZE"));
        Assert.That(ClStatus.Name(-1001), Is.EqualTo("CL_PLATFORM_NOT_FOUND_KHR"));
        Assert.That(ClStatus.Name(-9999), Is.EqualTo("status -9999"));
        var ex = Assert.Throws<OpenClException>(() => ClStatus.Check(-5, "clEnqueueNDRangeKernel", "gemm_nn"))!;
        Assert.That(ex.Message, Does.Contain("clEnqueueNDRangeKernel").And.Contain("gemm_nn").And.Contain("CL_OUT_OF_RESOURCES"));
        Assert.DoesNotThrow(() => ClStatus.Check(0, "clFinish"));
    }

    [Test]
    public void DevicesAreNumberedAndDescribed()
    {
        var provider = new OpenClAcceleratorProvider();
        var devices = provider.Discover();
        if (devices.Count == 0)
        {
            if (OpenClTestDevice.Required) Assert.Fail(provider.UnavailableReason ?? "no OpenCL device");
            Assert.Ignore(provider.UnavailableReason ?? "no OpenCL device");
        }
        Assert.That(provider.UnavailableReason, Is.Null);
        for (int i = 0; i < devices.Count; i++)
        {
            Assert.That(devices[i].Id, Is.EqualTo($"opencl:{i}"));
            Assert.That(devices[i].Kind, Is.EqualTo(AcceleratorKind.OpenCL));
            Assert.That(devices[i].Details, Does.Contain("platform ").And.Contain("OpenCL "));
            Assert.That(devices[i].Details, Does.Contain(devices[i].IsGpu ? "GPU" : "CPU").Or.Contain("accelerator"));
            Assert.That(devices[i].MemoryBytes, Is.GreaterThan(0));
        }

        // auto never settles on an OpenCL device that is not a GPU (PoCL is used only when asked for).
        var catalog = AcceleratorCatalog.Default();
        var auto = catalog.Resolve("auto");
        Assert.That(auto.Kind != AcceleratorKind.OpenCL || auto.IsGpu, Is.True, auto.ToString());
        Assert.That(catalog.Resolve("opencl").Kind, Is.EqualTo(AcceleratorKind.OpenCL));
    }

    [Test]
    public void AllocationBeyondTheDeviceLimitIsDeviceOutOfMemory()
    {
        using var acc = OpenClTestDevice.OpenOrIgnore();
        long elements = acc.MaxAllocationBytes / sizeof(float) + 1024;
        if (elements > int.MaxValue) Assert.Ignore($"{acc} accepts single allocations beyond the largest DeviceBuffer.");
        var ex = Assert.Throws<DeviceOutOfMemoryException>(() => acc.Allocate<float>((int)elements))!;
        Assert.That(ex.DeviceId, Is.EqualTo(acc.Info.Id));
        Assert.That(ex.RequestedBytes, Is.EqualTo(elements * sizeof(float)));
    }

    [Test]
    public void BuffersRoundTripAtOffsetsAndMayBeEmpty()
    {
        using var acc = OpenClTestDevice.OpenOrIgnore();
        using var empty = acc.Allocate<float>(0);
        Assert.That(empty.ToArray(), Is.Empty);

        using var bytes = acc.Upload<byte>(new byte[] { 1, 2, 3, 4, 5 });
        bytes.CopyFromHost(new byte[] { 9, 8 }, offset: 3);
        Assert.That(bytes.ToArray(), Is.EqualTo(new byte[] { 1, 2, 3, 9, 8 }));
        var tail = new byte[2];
        bytes.CopyToHost(tail, offset: 1);
        Assert.That(tail, Is.EqualTo(new byte[] { 2, 3 }));
    }

    [Test]
    public void DisposingTheAcceleratorReleasesItsBuffers()
    {
        var acc = OpenClTestDevice.OpenOrIgnore();
        var buffer = acc.Upload<float>(new float[] { 1, 2, 3 });
        acc.Dispose();
        Assert.That(buffer.IsDisposed, Is.True);
        Assert.Throws<ObjectDisposedException>(() => buffer.ToArray());
    }
}

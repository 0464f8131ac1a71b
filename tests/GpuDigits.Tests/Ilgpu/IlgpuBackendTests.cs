using GpuDigits.Data;
using GpuDigits.Model;
using System.Runtime.InteropServices;
using GpuDigits.Engine;
using GpuDigits.Engine.Verification;
using GpuDigits.Tests.Engine;
using NUnit.Framework;

namespace GpuDigits.Tests.Ilgpu;

/// <summary>
/// Buffers, errors and the whole kernel verifier on every selected ILGPU device: <c>ilgpu-cpu</c> everywhere, OpenCL
/// where a usable driver is (PoCL 6 in CI), CUDA on a GPU machine; a missing one is ignored with the reason.
/// </summary>
[TestFixture]
public sealed class IlgpuBackendTests : AcceleratorFixture
{
    /// <summary>An element so large that int.MaxValue of them exceed any device's memory.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 256)]
    private struct Huge
    {
        public byte First;
    }

    public static IEnumerable<string> Devices() => TestAccelerators.SelectedIlgpu();

    [Test]
    public void AnAllocationBeyondTheDeviceIsDeviceOutOfMemoryWithTheSizeAskedFor([ValueSource(nameof(Devices))] string device)
    {
        var acc = Device(device);
        var ex = Assert.Throws<DeviceOutOfMemoryException>(() => acc.Allocate<Huge>(int.MaxValue))!;
        Assert.That(ex.DeviceId, Is.EqualTo(acc.Info.Id));
        Assert.That(ex.RequestedBytes, Is.EqualTo(256L * int.MaxValue));
        using var after = acc.Upload<float>([1f, 2f]); // the device is still usable
        Assert.That(after.ToArray(), Is.EqualTo(new[] { 1f, 2f }));
    }

    [Test]
    public void BuffersRoundTripAtOffsetsMayBeEmptyAndFill([ValueSource(nameof(Devices))] string device)
    {
        var acc = Device(device);
        using var empty = acc.Allocate<float>(0);
        Assert.That(empty.ToArray(), Is.Empty);
        using var bytes = acc.Upload<byte>(new byte[] { 1, 2, 3, 4, 5 });
        bytes.CopyFromHost(new byte[] { 9, 8 }, offset: 3);
        Assert.That(bytes.ToArray(), Is.EqualTo(new byte[] { 1, 2, 3, 9, 8 }));
        var tail = new byte[2];
        bytes.CopyToHost(tail, offset: 1);
        Assert.That(tail, Is.EqualTo(new byte[] { 2, 3 }));
        acc.Fill(bytes, (byte)7, 0, 2);
        Assert.That(bytes.ToArray(), Is.EqualTo(new byte[] { 7, 7, 3, 9, 8 }));
        using var ints = acc.Upload<int>(new[] { 1, 2, 3, 4 });
        acc.Fill(ints, -5, 1, 2);
        Assert.That(ints.ToArray(), Is.EqualTo(new[] { 1, -5, -5, 4 }));
        using var halves = acc.Upload<ushort>(new ushort[] { 1, 2, 3 });
        acc.Fill(halves, (ushort)0xBEEF, 2);
        Assert.That(halves.ToArray(), Is.EqualTo(new ushort[] { 1, 2, 0xBEEF }));
    }

    [Test]
    public void WithoutAGpuNothingIsRecorded([ValueSource(nameof(Devices))] string device)
    {
        var acc = Device(device);
        if (acc.Info.Kind == AcceleratorKind.Cuda) Assert.Ignore("CUDA records steps: CudaRecordingTests cover it.");
        Assert.That(acc.CanRecordSteps, Is.False);
        Assert.That(acc.CaptureStep(() => { }), Is.Null);
    }

    [Test]
    public void DisposingTheAcceleratorReleasesItsBuffers([ValueSource(nameof(Devices))] string device)
    {
        var acc = TestAccelerators.Catalog.Open(Device(device).Info.Id);
        var buffer = acc.Upload<float>([1f, 2f, 3f]);
        acc.Dispose();
        Assert.That(buffer.IsDisposed, Is.True);
        Assert.Throws<ObjectDisposedException>(() => buffer.ToArray());
        Assert.Throws<ObjectDisposedException>(() => acc.Allocate<float>(1));
    }
}

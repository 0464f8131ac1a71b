using System.Runtime.InteropServices;
using GpuDigits.Engine;
using GpuDigits.Engine.Cuda;
using GpuDigits.Engine.Verification;
using NUnit.Framework;

namespace GpuDigits.Tests.Cuda;

/// <summary>Buffers, errors, graphs and the kernel verifier on a real NVIDIA GPU; ignored (with the reason) without one.</summary>
[TestFixture]
public class CudaBackendTests
{
    /// <summary>An element so large that int.MaxValue of them exceed any GPU's memory.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 256)]
    private struct Huge
    {
        public byte First;
    }

    [Test]
    public void VerifierPassesOnCudaIncludingACapturedStep()
    {
        using var acc = CudaTestDevice.OpenOrIgnore();
        var rows = AcceleratorVerifier.Run(acc);
        var failed = rows.Where(r => !r.Passed)
            .Select(r => $"{r.Op} [{r.Shape}] abs {r.MaxAbsError:G3} rel {r.MaxRelError:G3} used {r.ToleranceUsed:G3} of {r.Tolerance}")
            .ToArray();
        Assert.That(failed, Is.Empty, $"{acc} failed {failed.Length} of {rows.Count} checks:\n" + string.Join("\n", failed));
        Assert.That(rows.Select(r => r.Op.Split(' ')[0]).Distinct(), Is.SupersetOf(new[]
        {
            "gemm", "bias_add", "activation_forward", "activation_backward", "softmax_xent", "column_sums",
            "sgd_momentum", "adam", "gather_batch", "fill", "capture_step",
        }));
        TestContext.Out.WriteLine($"{acc}: {rows.Count} checks, worst {rows.Max(r => r.ToleranceUsed):F4} of tolerance; " +
                                  $"PTX {acc.PtxTarget} by NVRTC {acc.Compiler.Version}, GEMM {acc.GemmTiling}");
    }

    [Test]
    public void AnAllocationBeyondTheDeviceIsDeviceOutOfMemoryWithTheSizeAskedFor()
    {
        using var acc = CudaTestDevice.OpenOrIgnore();
        var ex = Assert.Throws<DeviceOutOfMemoryException>(() => acc.Allocate<Huge>(int.MaxValue))!;
        Assert.That(ex.DeviceId, Is.EqualTo(acc.Info.Id));
        Assert.That(ex.RequestedBytes, Is.EqualTo(256L * int.MaxValue));
        Assert.That(ex.Message, Does.Contain("bytes free"));
        using var after = acc.Upload<float>([1f, 2f]); // the device is still usable
        Assert.That(after.ToArray(), Is.EqualTo(new[] { 1f, 2f }));
    }

    [Test]
    public void BuffersRoundTripAtOffsetsMayBeEmptyAndFill()
    {
        using var acc = CudaTestDevice.OpenOrIgnore();
        using var empty = acc.Allocate<float>(0);
        Assert.That(empty.ToArray(), Is.Empty);
        using var bytes = acc.Upload<byte>(new byte[] { 1, 2, 3, 4, 5 });
        bytes.CopyFromHost(new byte[] { 9, 8 }, offset: 3);
        Assert.That(bytes.ToArray(), Is.EqualTo(new byte[] { 1, 2, 3, 9, 8 }));
        var tail = new byte[2];
        bytes.CopyToHost(tail, offset: 1);
        Assert.That(tail, Is.EqualTo(new byte[] { 2, 3 }));
        using var ints = acc.Upload<int>(new[] { 1, 2, 3, 4 });
        acc.Fill(ints, -5, 1, 2);
        Assert.That(ints.ToArray(), Is.EqualTo(new[] { 1, -5, -5, 4 }));
    }

    [Test]
    public void DisposingTheAcceleratorReleasesItsBuffersAndGraphs()
    {
        var acc = CudaTestDevice.OpenOrIgnore();
        var buffer = acc.Upload<float>([1f, 2f, 3f]);
        var step = acc.CaptureStep(() => acc.Fill(buffer, 0f));
        Assert.That(step, Is.Not.Null);
        acc.Dispose();
        Assert.That(buffer.IsDisposed, Is.True);
        Assert.Throws<ObjectDisposedException>(() => buffer.ToArray());
        Assert.Throws<ObjectDisposedException>(() => step!.Replay());
    }

    [Test]
    public void ACapturedStepReplaysWithWhatDeviceMemoryHoldsAtEachReplay()
    {
        using var acc = CudaTestDevice.OpenOrIgnore();
        using var a = acc.Upload<float>([1f, 2f, 3f, 4f]);
        using var b = acc.Upload<float>([1f, 0f, 0f, 1f]);
        using var c = acc.Allocate<float>(4);
        using var step = acc.CaptureStep(() => acc.Gemm(false, false, 2, 2, 2, 1f, a, b, 0f, c))!;
        Assert.That(step, Is.Not.Null);
        Assert.That(step.OpCount, Is.EqualTo(1));
        step.Replay();
        Assert.That(c.ToArray(), Is.EqualTo(new[] { 1f, 2f, 3f, 4f }));
        acc.Fill(b, 2f); // the recording reads b when it runs
        step.Replay();
        Assert.That(c.ToArray(), Is.EqualTo(new[] { 6f, 6f, 14f, 14f }));
    }

    [Test]
    public void GraphsOffMeansNoRecording()
    {
        using var acc = CudaTestDevice.OpenOrIgnore();
        acc.GraphsEnabled = false;
        Assert.That(acc.CaptureStep(() => { }), Is.Null);
    }

    [Test]
    public void AHostCopyCannotBeCapturedAndTheDeviceStaysUsable()
    {
        using var acc = CudaTestDevice.OpenOrIgnore();
        using var buffer = acc.Upload<float>([1f, 2f]);
        var ex = Assert.Throws<InvalidOperationException>(() => acc.CaptureStep(() => buffer.ToArray()))!;
        Assert.That(ex.Message, Does.Contain("captured step"));
        acc.Fill(buffer, 7f);
        Assert.That(buffer.ToArray(), Is.EqualTo(new[] { 7f, 7f }));
        using var step = acc.CaptureStep(() => acc.Fill(buffer, 3f));
        step!.Replay();
        Assert.That(buffer.ToArray(), Is.EqualTo(new[] { 3f, 3f }));
    }

    [Test]
    public void EventsTimeTheDevice()
    {
        using var acc = CudaTestDevice.OpenOrIgnore();
        const int n = 1024;
        using var a = acc.Allocate<float>(n * n);
        using var c = acc.Allocate<float>(n * n);
        acc.Fill(a, 0.5f);
        acc.Gemm(false, false, n, n, n, 1f, a, a, 0f, c); // warm-up: compile, load
        float ms = acc.MeasureMilliseconds(() => acc.Gemm(false, false, n, n, n, 1f, a, a, 0f, c));
        Assert.That(ms, Is.GreaterThan(0f).And.LessThan(10_000f));
        Assert.That(c.ToArray()[12345], Is.EqualTo(256f));
        TestContext.Out.WriteLine($"{acc}: 1024^3 GEMM {ms:F3} ms = {2.0 * n * n * n / (ms * 1e6):F0} GFLOP/s");
    }

    [Test]
    public void ASecondOpenUsesThePtxCache()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"gpudigits-ptx-{Guid.NewGuid():N}");
        var saved = Environment.GetEnvironmentVariable(PtxCache.FolderVariable);
        try
        {
            Environment.SetEnvironmentVariable(PtxCache.FolderVariable, folder);
            using (var first = CudaTestDevice.OpenOrIgnore())
            {
                using var x = first.Upload<float>([1f, -1f]);
                first.ActivationForward(Activation.Relu, x, x, 2);
                Assert.That((first.Cache.Hits, first.Cache.Misses), Is.EqualTo((0, 1)));
            }
            using var second = CudaTestDevice.OpenOrIgnore();
            using var y = second.Upload<float>([1f, -1f]);
            second.ActivationForward(Activation.Relu, y, y, 2);
            Assert.That((second.Cache.Hits, second.Cache.Misses), Is.EqualTo((1, 0)));
            Assert.That(y.ToArray(), Is.EqualTo(new[] { 1f, 0f }));
        }
        finally
        {
            Environment.SetEnvironmentVariable(PtxCache.FolderVariable, saved);
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }
}

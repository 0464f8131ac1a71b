using GpuDigits.Engine.Cuda;
using NUnit.Framework;

namespace GpuDigits.Tests.Cuda;

/// <summary>
/// Opens the first CUDA device for a test, or ignores the test when the machine has none (with the provider's reason:
/// no driver, no GPU, no NVRTC). With GPUDIGITS_REQUIRE_CUDA=1 a missing device fails the test instead, for runs on a
/// GPU machine that must not pass by skipping.
/// </summary>
internal static class CudaTestDevice
{
    public static bool Required => Environment.GetEnvironmentVariable("GPUDIGITS_REQUIRE_CUDA") == "1";

    private static readonly Lazy<CudaAcceleratorProvider> Provider = new(() => new CudaAcceleratorProvider());

    public static CudaAccelerator OpenOrIgnore()
    {
        var devices = Provider.Value.Discover();
        if (devices.Count == 0)
        {
            var message = $"No CUDA device: {Provider.Value.UnavailableReason}";
            if (Required) Assert.Fail(message + " (GPUDIGITS_REQUIRE_CUDA=1)");
            Assert.Ignore(message);
        }
        return (CudaAccelerator)Provider.Value.Create(devices[0]);
    }

    /// <summary>
    /// NVRTC, which needs no GPU, or an ignored test when it cannot be loaded (a failure with GPUDIGITS_REQUIRE_CUDA=1
    /// or GPUDIGITS_REQUIRE_NVRTC=1, which CI sets once it has installed NVRTC).
    /// </summary>
    public static NvrtcCompiler CompilerOrIgnore()
    {
        var compiler = NvrtcCompiler.TryOpen(0, out var reason);
        if (compiler is null)
        {
            if (Required || Environment.GetEnvironmentVariable("GPUDIGITS_REQUIRE_NVRTC") == "1")
                Assert.Fail(reason + " (NVRTC is required here)");
            Assert.Ignore(reason);
        }
        return compiler!;
    }
}

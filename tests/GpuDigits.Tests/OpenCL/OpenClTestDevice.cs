using GpuDigits.Engine;
using GpuDigits.Engine.OpenCL;
using NUnit.Framework;

namespace GpuDigits.Tests.OpenCL;

/// <summary>
/// Opens the first OpenCL device for a test, or ignores the test when the machine has none (with the provider's
/// reason). With GPUDIGITS_REQUIRE_OPENCL=1 a missing device fails the test instead.
/// </summary>
internal static class OpenClTestDevice
{
    public static bool Required => Environment.GetEnvironmentVariable("GPUDIGITS_REQUIRE_OPENCL") == "1";

    public static OpenClAccelerator OpenOrIgnore()
    {
        var provider = new OpenClAcceleratorProvider();
        var devices = provider.Discover();
        if (devices.Count == 0)
        {
            var message = $"No OpenCL device: {provider.UnavailableReason}";
            if (Required) Assert.Fail(message + " (GPUDIGITS_REQUIRE_OPENCL=1)");
            Assert.Ignore(message);
        }
        return (OpenClAccelerator)provider.Create(devices[0]);
    }
}

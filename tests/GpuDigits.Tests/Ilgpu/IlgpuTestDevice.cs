using GpuDigits.Engine;
using GpuDigits.Tests.Engine;
using NUnit.Framework;

namespace GpuDigits.Tests.Ilgpu;

/// <summary>
/// Opens a device by selector for a test that is about one backend (<c>opencl</c>, <c>cuda</c>, <c>ilgpu-cpu</c>), or
/// ends the test as Ignored with the catalog's reason (Failed when GPUDIGITS_REQUIRE_&lt;KIND&gt; says it must exist).
/// </summary>
internal static class IlgpuTestDevice
{
    public static Accelerator OpenOrIgnore(string selector)
    {
        var (outcome, message) = TestAccelerators.Check(TestAccelerators.Catalog, selector, Environment.GetEnvironmentVariable);
        if (outcome == TestAccelerators.Outcome.Fail) Assert.Fail(message);
        if (outcome == TestAccelerators.Outcome.Ignore) Assert.Ignore(message);
        return TestAccelerators.Catalog.Open(selector);
    }
}

using GpuDigits.Engine;
using NUnit.Framework;

namespace GpuDigits.Tests;

public class SmokeTests
{
    [Test]
    public void CatalogAlwaysHasTheCpu() =>
        Assert.That(AcceleratorCatalog.Default().Devices.Any(d => d.Kind == AcceleratorKind.Cpu), Is.True);
}

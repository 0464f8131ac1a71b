using GpuDigits.Engine;
using GpuDigits.Engine.Cpu;
using NUnit.Framework;

namespace GpuDigits.Tests.Engine;

/// <summary>The device selection of the kernel suite: parsing of the <c>device</c> parameter, ignore versus require.</summary>
public sealed class TestAcceleratorsTests
{
    [Test]
    public void DefaultCatalogAlwaysHasTheCpu() =>
        Assert.That(AcceleratorCatalog.Default().Devices.Any(d => d.Kind == AcceleratorKind.Cpu), Is.True);

    [TestCase(null, new[] { "cpu", "ilgpu-cpu", "opencl", "cuda" })]
    [TestCase("", new[] { "cpu", "ilgpu-cpu", "opencl", "cuda" })]
    [TestCase("all", new[] { "cpu", "ilgpu-cpu", "opencl", "cuda" })]
    [TestCase("cpu", new[] { "cpu" })]
    [TestCase(" OpenCL , cpu,opencl ", new[] { "opencl", "cpu" })]
    [TestCase("cuda:1,all", new[] { "cuda:1", "cpu", "ilgpu-cpu", "opencl", "cuda" })]
    public void ParsesTheDeviceParameter(string? text, string[] expected) =>
        Assert.That(TestAccelerators.Parse(text), Is.EqualTo(expected));

    [TestCase("gpu")]
    [TestCase("cpu,vulkan")]
    [TestCase(",")]
    public void RejectsAnUnknownDevice(string text) =>
        Assert.Throws<ArgumentException>(() => TestAccelerators.Parse(text));

    [Test]
    public void MissingBackendIsIgnoredWithTheCatalogReason()
    {
        var (outcome, message) = TestAccelerators.Check(FakeCatalog(), "opencl", _ => null);
        Assert.That(outcome, Is.EqualTo(TestAccelerators.Outcome.Ignore));
        Assert.That(message, Does.Contain("libOpenCL.so.1 not found"));
    }

    [TestCase("1", TestAccelerators.Outcome.Fail)]
    [TestCase("yes", TestAccelerators.Outcome.Fail)]
    [TestCase("0", TestAccelerators.Outcome.Ignore)]
    [TestCase("false", TestAccelerators.Outcome.Ignore)]
    [TestCase("", TestAccelerators.Outcome.Ignore)]
    public void RequireVariableTurnsAMissingBackendIntoAFailure(string value, TestAccelerators.Outcome expected)
    {
        var environment = new Dictionary<string, string?> { ["GPUDIGITS_REQUIRE_OPENCL"] = value };
        var (outcome, message) = TestAccelerators.Check(FakeCatalog(), "opencl", environment.GetValueOrDefault);
        Assert.That(outcome, Is.EqualTo(expected));
        Assert.That(message, Does.Contain("libOpenCL.so.1 not found"));
    }

    [Test]
    public void TheRequireVariableOfIlgpuCpuIsAValidName() =>
        Assert.That(TestAccelerators.RequireVariable("ilgpu-cpu"), Is.EqualTo("GPUDIGITS_REQUIRE_ILGPU_CPU"));

    [Test]
    public void RequireVariableOfAnotherKindDoesNotApply()
    {
        var environment = new Dictionary<string, string?> { ["GPUDIGITS_REQUIRE_CUDA"] = "1" };
        Assert.That(TestAccelerators.Check(FakeCatalog(), "opencl", environment.GetValueOrDefault).Outcome,
            Is.EqualTo(TestAccelerators.Outcome.Ignore));
    }

    [Test]
    public void BackendThatRegistersADeviceIsRun()
    {
        var environment = new Dictionary<string, string?> { ["GPUDIGITS_REQUIRE_CUDA"] = "1" };
        Assert.That(TestAccelerators.Check(FakeCatalog(), "cuda", environment.GetValueOrDefault).Outcome,
            Is.EqualTo(TestAccelerators.Outcome.Run));
        Assert.That(TestAccelerators.Check(FakeCatalog(), "cpu", _ => null).Outcome, Is.EqualTo(TestAccelerators.Outcome.Run));
    }

    /// <summary>The CPU, an OpenCL backend without a driver, and a CUDA backend with one device.</summary>
    private static AcceleratorCatalog FakeCatalog() => new(
    [
        new CpuAcceleratorProvider(),
        new FakeProvider(AcceleratorKind.OpenCL, [], "libOpenCL.so.1 not found"),
        new FakeProvider(AcceleratorKind.Cuda,
            [new AcceleratorInfo(AcceleratorKind.Cuda, "cuda:0", "Fake GPU", 1L << 30, 8, "", IsGpu: true, SharesHostMemory: false)], null),
    ]);

    private sealed class FakeProvider(AcceleratorKind kind, AcceleratorInfo[] devices, string? reason) : IAcceleratorProvider
    {
        public AcceleratorKind Kind => kind;
        public IReadOnlyList<AcceleratorInfo> Discover() => devices;
        public string? UnavailableReason => reason;
        public Accelerator Create(AcceleratorInfo info) => throw new NotSupportedException("not opened by these tests");
    }
}

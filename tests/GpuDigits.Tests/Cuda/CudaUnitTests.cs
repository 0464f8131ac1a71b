using GpuDigits.Engine;
using GpuDigits.Engine.Cuda;
using GpuDigits.Engine.Cuda.Native;
using GpuDigits.Engine.Kernels;
using NUnit.Framework;

namespace GpuDigits.Tests.Cuda;

/// <summary>The parts of the CUDA backend that need neither a GPU nor a driver: names, messages, options, probing.</summary>
[TestFixture]
public class CudaUnitTests
{
    [Test]
    public void ResultCodesHaveTheirCudaHeaderNames()
    {
        Assert.That(CuResult.TableName(0), Is.EqualTo("CUDA_SUCCESS"));
        Assert.That(CuResult.TableName(2), Is.EqualTo("CUDA_ERROR_OUT_OF_MEMORY"));
        Assert.That(CuResult.TableName(34), Is.EqualTo("CUDA_ERROR_STUB_LIBRARY"));
        Assert.That(CuResult.TableName(100), Is.EqualTo("CUDA_ERROR_NO_DEVICE"));
        Assert.That(CuResult.TableName(218), Is.EqualTo("CUDA_ERROR_INVALID_PTX"));
        Assert.That(CuResult.TableName(222), Is.EqualTo("CUDA_ERROR_UNSUPPORTED_PTX_VERSION"));
        Assert.That(CuResult.TableName(700), Is.EqualTo("CUDA_ERROR_ILLEGAL_ADDRESS"));
        Assert.That(CuResult.TableName(719), Is.EqualTo("CUDA_ERROR_LAUNCH_FAILED"));
        Assert.That(CuResult.TableName(901), Is.EqualTo("CUDA_ERROR_STREAM_CAPTURE_INVALIDATED"));
        Assert.That(CuResult.TableName(12345), Is.EqualTo("CUresult 12345"));
    }

    [Test]
    public void DriverVersionsReadAsMajorDotMinor()
    {
        Assert.That(CuResult.FormatVersion(12020), Is.EqualTo("12.2"));
        Assert.That(CuResult.FormatVersion(11080), Is.EqualTo("11.8"));
        Assert.That(CuResult.FormatVersion(13000), Is.EqualTo("13.0"));
    }

    [Test]
    public void AFailedCallNamesTheCallTheSubjectAndTheError()
    {
        var ex = Assert.Throws<CudaException>(() => CuResult.Check(700, "cuStreamSynchronize", "cuda:0"))!;
        Assert.That(ex, Is.InstanceOf<AcceleratorException>());
        Assert.That(ex.Message, Does.Contain("cuStreamSynchronize").And.Contain("cuda:0").And.Contain("CUDA_ERROR_ILLEGAL_ADDRESS").And.Contain("(700)"));
        Assert.That(ex.Result, Is.EqualTo(700));
        Assert.DoesNotThrow(() => CuResult.Check(0, "cuInit"));
    }

    [Test]
    public void PtxNewerThanTheDriverSaysWhichVersionsMetAndWhatToDo()
    {
        var ex = new CudaPtxVersionException("gemm.cl", 12020, "12.4");
        Assert.That(ex.Message, Does.Contain("driver supports CUDA 12.2").And.Contain("NVRTC 12.4 produced newer PTX"));
        Assert.That(ex.Message, Does.Contain("update the driver or use an older NVRTC").And.Contain("GPUDIGITS_NVRTC_LIBRARY"));
        Assert.That(ex.Message, Does.Contain("gemm.cl"));
        Assert.That(ex.ResultName, Is.EqualTo("CUDA_ERROR_UNSUPPORTED_PTX_VERSION"));
        Assert.That(ex, Is.InstanceOf<AcceleratorException>());
    }

    [Test]
    public void InitFailuresAreExplained()
    {
        Assert.That(CudaAcceleratorProvider.InitFailure(100), Does.Contain("finds no CUDA device").And.Contain("CUDA_ERROR_NO_DEVICE"));
        Assert.That(CudaAcceleratorProvider.InitFailure(34), Does.Contain("stub library"));
        Assert.That(CudaAcceleratorProvider.InitFailure(999), Does.Contain("kernel module").And.Contain("CUDA_ERROR_UNKNOWN"));
    }

    [Test]
    public void MissingDriverMeansNoDevicesAndAReason()
    {
        var provider = new CudaAcceleratorProvider(["libgpudigits-no-such-cuda.so.1"]);
        Assert.That(provider.Discover(), Is.Empty);
        Assert.That(provider.UnavailableReason, Does.Contain("libgpudigits-no-such-cuda.so.1").And.Contain("install the NVIDIA driver"));
        Assert.Throws<AcceleratorException>(() => provider.Create(new AcceleratorInfo(AcceleratorKind.Cuda, "cuda:0", "x", 0, 0, "", true)));
    }

    [Test]
    public void DiscoveryOnThisMachineNeverThrowsAndExplainsAnEmptyResult()
    {
        var provider = new CudaAcceleratorProvider();
        IReadOnlyList<AcceleratorInfo> devices = [];
        Assert.DoesNotThrow(() => devices = provider.Discover());
        if (devices.Count == 0)
        {
            Assert.That(provider.UnavailableReason, Is.Not.Null.And.Not.Empty);
            var ex = Assert.Throws<AcceleratorException>(() => new AcceleratorCatalog([provider]).Resolve("cuda"))!;
            Assert.That(ex.Message, Does.Contain(provider.UnavailableReason!));
            return;
        }
        Assert.That(provider.UnavailableReason, Is.Null);
        for (int i = 0; i < devices.Count; i++)
        {
            Assert.That(devices[i].Id, Is.EqualTo($"cuda:{i}"));
            Assert.That(devices[i].IsGpu, Is.True);
            Assert.That(devices[i].Details, Does.Contain("compute capability").And.Contain("SMs").And.Contain("driver CUDA").And.Contain("NVRTC"));
            Assert.That(devices[i].MemoryBytes, Is.GreaterThan(0));
        }
    }

    [Test]
    public void TheCatalogTriesCudaFirstSoAutoPicksAGpuWhenThereIsOne()
    {
        var kinds = AcceleratorCatalog.BuiltInProviders().Select(p => p.Kind).ToList();
        Assert.That(kinds, Is.EqualTo(new[] { AcceleratorKind.Cuda, AcceleratorKind.OpenCL, AcceleratorKind.Cpu }));
        var catalog = AcceleratorCatalog.Default();
        var auto = catalog.Resolve("auto");
        bool hasCuda = catalog.Devices.Any(d => d.Kind == AcceleratorKind.Cuda);
        Assert.That(auto.Kind == AcceleratorKind.Cuda, Is.EqualTo(hasCuda), auto.ToString());
    }

    [Test]
    public void NvrtcIsProbedInCudaPathThenTheSearchPathThenUsrLocalCuda()
    {
        var env = new Dictionary<string, string?> { ["CUDA_PATH"] = "/opt/cuda-12.4", ["CUDA_HOME"] = "/opt/cuda" };
        var linux = NvrtcLibrary.Candidates(v => env.GetValueOrDefault(v), windows: false);
        Assert.That(linux.Take(4), Is.EqualTo(new[]
        {
            "/opt/cuda-12.4/lib64/libnvrtc.so.13", "/opt/cuda-12.4/lib64/libnvrtc.so.12",
            "/opt/cuda-12.4/lib64/libnvrtc.so.11.2", "/opt/cuda-12.4/lib64/libnvrtc.so",
        }));
        Assert.That(linux, Does.Contain("/opt/cuda/lib64/libnvrtc.so.12"));
        int bare = linux.ToList().IndexOf("libnvrtc.so.13");
        Assert.That(bare, Is.GreaterThan(linux.ToList().IndexOf("/opt/cuda/lib64/libnvrtc.so")));
        Assert.That(linux[^1], Is.EqualTo("/usr/local/cuda/lib64/libnvrtc.so"));
        Assert.That(linux, Is.Unique);

        var none = NvrtcLibrary.Candidates(_ => null, windows: false);
        Assert.That(none.Take(4), Is.EqualTo(new[] { "libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so" }));

        var windows = NvrtcLibrary.Candidates(v => v == "CUDA_PATH" ? @"C:\CUDA\v13.0" : null, windows: true);
        Assert.That(windows[0], Is.EqualTo(Path.Combine(@"C:\CUDA\v13.0", "bin", "x64", "nvrtc64_130_0.dll")));
        Assert.That(windows, Does.Contain("nvrtc64_120_0.dll").And.Contain("nvrtc64_112_0.dll"));

        var forced = NvrtcLibrary.Candidates(v => v == NvrtcLibrary.OverrideVariable ? "/x/libnvrtc.so.12.9" : "/opt", windows: false);
        Assert.That(forced, Is.EqualTo(new[] { "/x/libnvrtc.so.12.9" }));
    }

    [TestCase(89, new[] { 50, 52, 60, 70, 75, 80, 86, 89, 90 }, 89)]
    [TestCase(120, new[] { 50, 52, 60, 70, 75, 80, 86, 89, 90 }, 90)] // a GPU newer than NVRTC: PTX for the newest, JIT-compiled
    [TestCase(86, new[] { 75, 80, 90 }, 80)]
    [TestCase(61, new[] { 75, 80, 90 }, null)] // NVRTC 13 dropped it
    public void TheArchitectureIsTheNewestNvrtcTargetNotNewerThanTheDevice(int device, int[] supported, int? expected) =>
        Assert.That(NvrtcCompiler.ChooseArchitecture(device, supported), Is.EqualTo(expected));

    [Test]
    public void WithoutAListTheDevicesOwnArchitectureIsUsed() =>
        Assert.That(NvrtcCompiler.ChooseArchitecture(75, null), Is.EqualTo(75));

    [Test]
    public void NvrtcOptionsAreTheArchitectureThenTheSameDefinesAsOpenCl()
    {
        var tiling = GemmTiling.Candidates[0];
        var options = NvrtcCompiler.Options(89, tiling.Defines);
        Assert.That(options, Is.EqualTo(new[]
        {
            "--gpu-architecture=compute_89", "-DGD_GEMM_TILE_M=64", "-DGD_GEMM_TILE_N=64", "-DGD_GEMM_TILE_K=16",
            "-DGD_GEMM_WPT_M=4", "-DGD_GEMM_WPT_N=4", "-DGD_GEMM_PAD=1",
        }));
        Assert.That(tiling.CompilerOptions, Is.EqualTo(string.Join(' ', options.Skip(1))), "OpenCL gets the same definitions");
        Assert.That(NvrtcCompiler.Options(52, []), Is.EqualTo(new[] { "--gpu-architecture=compute_52" }));
    }

    [TestCase(null, true)]
    [TestCase("", true)]
    [TestCase("1", true)]
    [TestCase("ON", true)]
    [TestCase("0", false)]
    [TestCase("off", false)]
    [TestCase(" false ", false)]
    public void TheGraphsSwitchIsReadFromTheEnvironmentValue(string? text, bool expected) =>
        Assert.That(CudaAccelerator.ParseGraphsSetting(text), Is.EqualTo(expected));

    [Test]
    public void AnUnknownGraphsSettingIsAClearError()
    {
        var ex = Assert.Throws<AcceleratorException>(() => CudaAccelerator.ParseGraphsSetting("maybe"))!;
        Assert.That(ex.Message, Does.Contain(CudaAccelerator.GraphsVariable).And.Contain("maybe"));
    }
}

/// <summary>Checks against the installed NVIDIA driver library, where one is (a GPU is not needed).</summary>
[TestFixture]
public class CudaDriverLibraryTests
{
    [OneTimeSetUp]
    public void LoadDriver()
    {
        if (!Cu.TryLoad(null, out var reason))
        {
            if (CudaTestDevice.Required) Assert.Fail(reason);
            Assert.Ignore($"No NVIDIA driver library: {reason}");
        }
    }

    [Test]
    public unsafe void TheNameTableAgreesWithTheDriver()
    {
        int known = 0;
        for (int code = 0; code < 1000; code++)
        {
            byte* name = null;
            if (Cu.cuGetErrorName(code, &name) != Cu.CUDA_SUCCESS || name == null) continue;
            string driverName = System.Runtime.InteropServices.Marshal.PtrToStringUTF8((nint)name)!;
            if (CuResult.TableName(code).StartsWith("CUresult ", StringComparison.Ordinal)) continue; // newer than the table
            Assert.That(CuResult.TableName(code), Is.EqualTo(driverName), $"code {code}");
            known++;
        }
        Assert.That(known, Is.GreaterThan(60));
        Assert.That(CuResult.Describe(222), Does.StartWith("CUDA_ERROR_UNSUPPORTED_PTX_VERSION: "), "with the driver's description");
    }

    [Test]
    public unsafe void TheDriverReportsItsCudaVersionBeforeInit()
    {
        int version;
        Assert.That(Cu.cuDriverGetVersion(&version), Is.EqualTo(Cu.CUDA_SUCCESS));
        Assert.That(version, Is.GreaterThanOrEqualTo(11000));
        TestContext.Out.WriteLine($"driver CUDA {CuResult.FormatVersion(version)} from {Cu.LoadedFrom}");
    }
}

using System.Diagnostics;
using GpuDigits.Engine.Verification;
using NUnit.Framework;

namespace GpuDigits.Tests.OpenCL;

/// <summary>The whole CPU-vs-OpenCL comparison of <see cref="AcceleratorVerifier"/> passes on the first OpenCL device.</summary>
[TestFixture]
public class OpenClVerifierTests
{
    [Test]
    public void VerifierPassesOnOpenCl()
    {
        using var acc = OpenClTestDevice.OpenOrIgnore();

        var rows = AcceleratorVerifier.Run(acc);

        var failed = rows.Where(r => !r.Passed)
            .Select(r => $"{r.Op} [{r.Shape}] abs {r.MaxAbsError:G3} rel {r.MaxRelError:G3} used {r.ToleranceUsed:G3} of {r.Tolerance}")
            .ToArray();
        Assert.That(failed, Is.Empty, $"{acc} failed {failed.Length} of {rows.Count} checks:\n" + string.Join("\n", failed));

        // Every op of the contract was exercised, on the awkward sizes.
        var ops = rows.Select(r => r.Op.Split(' ')[0]).Distinct().ToArray();
        Assert.That(ops, Is.SupersetOf(new[]
        {
            "gemm", "bias_add", "activation_forward", "activation_backward", "softmax_xent", "column_sums",
            "sgd_momentum", "adam", "gather_batch",
        }));
        Assert.That(rows.Count(r => r.Op == "gemm" && r.Shape.Contains("k=785")), Is.GreaterThanOrEqualTo(4));
        TestContext.Out.WriteLine($"{acc}: {rows.Count} checks, worst {rows.Max(r => r.ToleranceUsed):F4} of tolerance");
    }

    /// <summary>
    /// Devices with small work-group limits get the smaller GEMM tilings and smaller reduction groups. PoCL can
    /// impose a limit (POCL_MAX_WORK_GROUP_SIZE, read when the platform loads), so this runs <c>gpudigits verify</c>
    /// in a child process with a limit of 16.
    /// </summary>
    [Test]
    public void VerifierPassesUnderASmallWorkGroupLimit()
    {
        string platform;
        using (var acc = OpenClTestDevice.OpenOrIgnore()) platform = acc.PlatformName;
        if (!platform.Contains("Portable Computing Language", StringComparison.Ordinal))
            Assert.Ignore($"Needs PoCL to cap the work-group size; the first OpenCL platform is {platform}.");

        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (string.IsNullOrEmpty(dotnet) || !File.Exists(dotnet)) dotnet = "dotnet";
        var start = new ProcessStartInfo(dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = TestContext.CurrentContext.TestDirectory,
        };
        foreach (var arg in new[] { Path.Combine(TestContext.CurrentContext.TestDirectory, "gpudigits.dll"), "verify", "--device", "opencl" })
            start.ArgumentList.Add(arg);
        start.Environment["POCL_MAX_WORK_GROUP_SIZE"] = "16";

        using var child = Process.Start(start)!;
        var stderr = child.StandardError.ReadToEndAsync();
        var stdout = child.StandardOutput.ReadToEnd();
        Assert.That(child.WaitForExit(TimeSpan.FromMinutes(5)), Is.True, "gpudigits verify did not finish in 5 minutes");
        Assert.That(child.ExitCode, Is.EqualTo(0), stdout + stderr.Result);
        Assert.That(stdout, Does.Match(@"(\d+) of \1 checks passed"));
        Assert.That(stdout, Does.Contain("GEMM tiling 16x16 block"), "a 16 work-item limit selects the 4 x 4 work-item tiling");
    }
}

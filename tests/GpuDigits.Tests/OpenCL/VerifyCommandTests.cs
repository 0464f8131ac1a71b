using GpuDigits.Cli;
using NUnit.Framework;

namespace GpuDigits.Tests.OpenCL;

/// <summary><c>gpudigits verify</c> runs the verifier on the chosen device and reports through its exit code.</summary>
[TestFixture]
public class VerifyCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = CliApp.RunAsync(args, output, error).GetAwaiter().GetResult();
        return (code, output.ToString(), error.ToString());
    }

    [Test]
    public void VerifyOnOpenClPasses()
    {
        OpenClTestDevice.OpenOrIgnore().Dispose();
        var (code, output, err) = Run("verify", "--device", "opencl");
        Assert.That(code, Is.EqualTo(ExitCodes.Success), output + err);
        Assert.That(output, Does.Contain("opencl:0").And.Contain("gemm").And.Contain("gather_batch"));
        Assert.That(output, Does.Match(@"(\d+) of \1 checks passed"));
    }

    [Test]
    public void VerifyOnAnUnknownDeviceIsOneClearLine()
    {
        var (code, _, err) = Run("verify", "--device", "tpu:3");
        Assert.That(code, Is.EqualTo(ExitCodes.Failure), err);
        Assert.That(err.Trim().Split('\n'), Has.Length.EqualTo(1), err);
        Assert.That(err, Does.Contain("Unknown device 'tpu:3'"));
    }
}

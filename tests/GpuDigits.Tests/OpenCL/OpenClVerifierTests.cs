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
}

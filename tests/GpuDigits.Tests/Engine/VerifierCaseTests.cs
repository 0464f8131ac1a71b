using GpuDigits.Data;
using GpuDigits.Engine.Verification;
using GpuDigits.Model;
using NUnit.Framework;

namespace GpuDigits.Tests.Engine;

/// <summary>
/// Every case that <c>gpudigits verify</c> checks (awkward shapes, and the default MLP's and CNN's training shapes),
/// each on every device present, against the float64 reference: the verifier's cases are the suite's cases.
/// </summary>
[TestFixture]
public sealed class VerifierCaseTests : AcceleratorFixture
{
    private static readonly IReadOnlyList<TrainingShapes> Networks =
        [NetworkSpec.Default.TrainingShapes(128, MnistSplit.TrainImages), NetworkSpec.Cnn.TrainingShapes(128, MnistSplit.TrainImages)];

    public static IEnumerable<TestCaseData> Cases() =>
        from device in TestAccelerators.Selected()
        from c in AcceleratorVerifier.Cases(Networks)
        select new TestCaseData(device, c).SetArgDisplayNames(device, c.ToString());

    [TestCaseSource(nameof(Cases))]
    public void CaseIsWithinTolerance(string device, VerificationCase check)
    {
        var acc = Device(device);
        var rows = check.Run(acc, seed: 1234);
        if (rows.Count == 0 && check.Op == "capture_step")
            Assert.Pass($"{acc.Info.Id} does not record steps: nothing to replay.");
        Assert.That(rows, Is.Not.Empty);
        var failed = rows.Where(r => !r.Passed)
            .Select(r => $"{r.Op} [{r.Shape}] abs {r.MaxAbsError:G3} rel {r.MaxRelError:G3} used {r.ToleranceUsed:G3} of {r.Tolerance}");
        Assert.That(failed, Is.Empty);
    }

    [Test]
    public void TheCasesCoverEveryOpAndBothNetworks()
    {
        var cases = AcceleratorVerifier.Cases(Networks);
        Assert.That(cases.Select(c => c.Op.Split(' ')[0]).Distinct(), Is.SupersetOf(new[]
        {
            "gemm", "bias_add", "activation", "softmax_xent", "column_sums", "sgd_momentum", "adam",
            "gather_batch", "fill", "im2col/col2im", "convolution_forward", "conv_weight_gradient", "conv_input_gradient", "max_pool_2x2", "capture_step",
        }));
        var shapes = cases.Select(c => c.Shape).ToHashSet();
        // The CNN's first convolution as a GEMM (m = 128 x 26 x 26, k = 9) and its long-k weight gradient.
        Assert.That(shapes, Does.Contain("NN m=86528 n=32 k=9 +bias relu"));
        Assert.That(shapes, Does.Contain("TN m=9 n=32 k=86528"));
        Assert.That(shapes, Does.Contain("NT m=15488 n=288 k=64"));
        Assert.That(shapes, Does.Contain("128x13x13x32 k3"));
        Assert.That(shapes, Does.Contain("NN m=128 n=128 k=784 +bias relu"));
        Assert.That(cases.Select(c => c.ToString()), Is.Unique);
    }

    [Test]
    public void ACaseGivesTheSameRowsAloneAsInTheWholeRun()
    {
        using var cpu = GpuDigits.Engine.AcceleratorCatalog.Default().Open("cpu");
        var all = AcceleratorVerifier.Run(cpu, [], seed: 5);
        var one = AcceleratorVerifier.Cases([]).First(c => c.Op == "column_sums");
        Assert.That(one.Run(cpu, 5), Is.EqualTo(all.Where(r => r.Op == "column_sums" && r.Shape == one.Shape).ToArray()));
    }
}

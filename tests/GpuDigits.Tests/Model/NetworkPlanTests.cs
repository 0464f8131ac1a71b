using GpuDigits.Engine;
using GpuDigits.Model;
using GpuDigits.Tests.Engine;
using NUnit.Framework;

namespace GpuDigits.Tests.Model;

/// <summary>The plan derived from a spec: layers, shapes and parameter names, against figures worked out by hand.</summary>
public class NetworkPlanTests
{
    private static string Describe(LayerPlan l) =>
        $"{l.Kind} {l.InputSide}x{l.InputSide}x{l.InputChannels} -> {l.OutputSide}x{l.OutputSide}x{l.OutputChannels} {l.Activation}" +
        string.Concat(l.Parameters.Select(p => $" {p.Name}:{p.Rows}x{p.Cols}"));

    [Test]
    public void TheDefaultMlpIsThreeDenseLayers()
    {
        var plan = NetworkSpec.Default.Plan;
        Assert.That(plan.Layers.Select(Describe), Is.EqualTo(new[]
        {
            "Dense 1x1x784 -> 1x1x128 Relu W1:784x128 b1:1x128",
            "Dense 1x1x128 -> 1x1x128 Relu W2:128x128 b2:1x128",
            "Dense 1x1x128 -> 1x1x10 None W3:128x10 b3:1x10",
        }));
        Assert.That(plan.DenseWidths, Is.EqualTo(new[] { 784, 128, 128, 10 }));
        Assert.That(plan.ParameterCount, Is.EqualTo(118_282));
    }

    [Test]
    public void TheDefaultCnnPoolsTo5x5x64BeforeItsDenseLayers()
    {
        var plan = NetworkSpec.Cnn.Plan;
        Assert.That(plan.Layers.Select(Describe), Is.EqualTo(new[]
        {
            "Convolution 28x28x1 -> 26x26x32 Relu Wc1:9x32 bc1:1x32",
            "Pool 26x26x32 -> 13x13x32 None",
            "Convolution 13x13x32 -> 11x11x64 Relu Wc2:288x64 bc2:1x64",
            "Pool 11x11x64 -> 5x5x64 None",
            "Dense 1x1x1600 -> 1x1x128 Relu W1:1600x128 b1:1x128",
            "Dense 1x1x128 -> 1x1x10 None W2:128x10 b2:1x10",
        }));
        Assert.That(plan.ParameterCount, Is.EqualTo(225_034));
        Assert.That(plan.Convolutions.Select(c => c.Depth), Is.EqualTo(new[] { 9, 288 }));
    }

    [Test]
    public void TheNetworkIsBuiltFromThePlan([Values("mlp", "cnn", "cnn-tanh")] string arch)
    {
        var spec = arch switch
        {
            "cnn" => NetworkSpec.Cnn with { ConvFilters = [3, 5], Hidden = [7] },
            "cnn-tanh" => NetworkSpec.Cnn with { ConvFilters = [3, 5], Hidden = [7], Activation = Activation.Tanh },
            _ => new NetworkSpec(784, [9, 6], 10, Activation.Tanh),
        };
        var plan = spec.Plan;
        using var accelerator = TestAccelerators.Catalog.Open("cpu");
        using var network = new Network(accelerator, spec, maxRows: 2);
        Assert.That(network.Parameters.Select(p => (p.Name, (long)p.Count)), Is.EqualTo(plan.Parameters.Select(p => (p.Name, p.Length))));
        var kinds = plan.Layers.Select(l => l.Kind == LayerKind.Convolution ? "Conv" : l.Kind.ToString()).ToList();
        // A ReLU CNN's first convolution and its pooling are one fused layer; with another activation they stay two.
        if (arch == "cnn") kinds = ["ConvPool", .. kinds.Skip(2)];
        Assert.That(network.Layers.Select(l => l.GetType().Name[..^"Layer".Length]), Is.EqualTo(kinds));
    }
}

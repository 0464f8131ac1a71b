using GpuDigits.Engine;
using GpuDigits.Model;
using GpuDigits.Model.Optimizers;
using GpuDigits.Tests.Engine;
using NUnit.Framework;

namespace GpuDigits.Tests.Model;

/// <summary>
/// <see cref="Network.StepWeightsInBackward"/> moves the dense layers' weight steps into the backward pass (the GEMM of
/// each gradient steps it); the parameters, optimizer state and gradients after some steps must be those of the
/// plain order (backward, then every step in ApplyStep), bit for bit, on each device.
/// </summary>
[TestFixture]
public sealed class StepInBackwardTests : AcceleratorFixture
{
    private static readonly NetworkSpec SmallCnn = new NetworkSpec(100, [6], 3, Activation.Relu) { ConvFilters = [3, 4] };

    public static IEnumerable<TestCaseData> Networks()
    {
        (string Name, NetworkSpec Spec)[] networks =
            [("mlp", NetworkSpec.Default), ("mlp-37-11-tanh", NetworkSpec.Default with { Hidden = [37, 11], Activation = Activation.Tanh }), ("cnn-small", SmallCnn)];
        foreach (string device in TestAccelerators.Selected())
            foreach (var kind in OptimizerCatalog.All.Select(d => d.Kind))
                foreach (var (name, spec) in networks)
                    yield return new TestCaseData(spec, kind, device).SetArgDisplayNames(device, name, kind.ToString());
    }

    [TestCaseSource(nameof(Networks))]
    public void TheSameBitsAsEveryStepAfterBackward(NetworkSpec spec, OptimizerKind kind, string device)
    {
        var acc = Device(device);
        const int rows = 19;
        var random = new Random(11);
        var x = Enumerable.Range(0, rows * spec.Inputs).Select(_ => (float)random.NextDouble()).ToArray();
        var labels = Enumerable.Range(0, rows).Select(_ => random.Next(spec.Classes)).ToArray();

        (float[][] Parameters, float[][] Gradients, OptimizerState State) Train(bool inBackward)
        {
            using var net = new Network(acc, spec, rows);
            net.Initialize(new SeededRandom(4));
            using var optimizer = Optimizer.Create(kind, acc, net.Parameters, 0.9f);
            if (inBackward) net.StepWeightsInBackward(optimizer);
            using var dx = acc.Upload<float>(x);
            using var dl = acc.Upload<int>(labels);
            using var stats = acc.Upload<float>([0f, 0f]);
            for (int step = 0; step < 3; step++)
            {
                optimizer.PrepareStep(OptimizerCatalog.Get(kind).DefaultLearningRate);
                net.Forward(dx, rows);
                net.Loss(dl, rows, stats, withGradient: true);
                net.Backward(dx, rows);
                optimizer.ApplyStep();
            }
            return (net.ExportParameters(), net.Parameters.Select(p => p.Gradient.ToArray()).ToArray(), optimizer.ExportState());
        }

        var plain = Train(inBackward: false);
        var fused = Train(inBackward: true);
        AssertSameBits("parameter", plain.Parameters, fused.Parameters);
        AssertSameBits("gradient", plain.Gradients, fused.Gradients);
        AssertSameBits("optimizer state", plain.State.Slots, fused.State.Slots);
        Assert.That(fused.State.StepCount, Is.EqualTo(plain.State.StepCount));
    }

    [Test]
    public void AStepIsTakenOverOnceAndOnlyForTheOptimizersOwnParameters()
    {
        var acc = Device("cpu");
        using var net = new Network(acc, NetworkSpec.Default, 2);
        using var optimizer = Optimizer.Create(OptimizerKind.Sgd, acc, net.Parameters, 0.9f);
        net.StepWeightsInBackward(optimizer);
        Assert.Throws<InvalidOperationException>(() => net.StepWeightsInBackward(optimizer));
        using var stranger = acc.Allocate<float>(4);
        Assert.Throws<ArgumentException>(() => optimizer.TakeOver(stranger));
    }

    private static void AssertSameBits(string what, IReadOnlyList<float[]> expected, IReadOnlyList<float[]> actual)
    {
        Assert.That(actual, Has.Count.EqualTo(expected.Count), what);
        for (int t = 0; t < expected.Count; t++)
            for (int i = 0; i < expected[t].Length; i++)
                if (BitConverter.SingleToInt32Bits(expected[t][i]) != BitConverter.SingleToInt32Bits(actual[t][i]))
                    Assert.Fail($"{what} {t}[{i}]: {actual[t][i]:G9} with the steps in backward, {expected[t][i]:G9} without");
    }
}

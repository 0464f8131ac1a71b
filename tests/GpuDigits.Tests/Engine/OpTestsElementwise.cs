using GpuDigits.Engine.Verification;
using GpuDigits.Engine;
using GpuDigits.Engine.Verification.Reference;
using NUnit.Framework;

namespace GpuDigits.Tests.Engine;

/// <summary>bias_add, activation_forward and activation_backward against the float64 reference.</summary>
[TestFixture]
public sealed class ElementwiseOpTests : AcceleratorFixture
{
    public static readonly int[] Counts = [1, 7, 33, 127, 129, 785, 128 * 128];

    public static readonly (int Rows, int Cols)[] Matrices =
        [(1, 1), (1, 785), (7, 33), (127, 129), (785, 7), (128, 128), (128, 10)];

    /// <summary>Values placed at the front of activation inputs: zeros of both signs, tiny, saturating and huge inputs.</summary>
    private static readonly float[] Specials = [0f, -0f, 1e-3f, -1e-3f, 1e-30f, 20f, -20f, 88f, -88f, 100f, -100f, 1e4f, -1e4f];

    [Test]
    public void BiasAddMatchesReference(
        [ValueSource(typeof(TestAccelerators), nameof(TestAccelerators.Selected))] string device,
        [ValueSource(nameof(Matrices))] (int Rows, int Cols) shape)
    {
        var accelerator = Device(device);
        var (rows, cols) = shape;
        var x = DeviceData.Uniform(DeviceData.Seed(rows, cols), rows * cols, -4f, 4f);
        var bias = DeviceData.Uniform(DeviceData.Seed(rows, cols, 1), cols, -4f, 4f);
        var expected = ReferenceOps.BiasAdd(x, bias, rows, cols);

        using var dx = DeviceData.Guarded(accelerator, x);
        using var dBias = accelerator.Upload<float>(bias);
        accelerator.BiasAdd(dx, dBias, rows, cols);

        Verify.Elementwise("x + bias", DeviceData.ReadGuarded(dx, "x"), expected);
        DeviceData.Unchanged(dBias, bias, "bias");
    }

    [Test]
    public void ActivationForwardMatchesReference(
        [ValueSource(typeof(TestAccelerators), nameof(TestAccelerators.Selected))] string device,
        [Values] Activation activation, [ValueSource(nameof(Counts))] int count, [Values] bool inPlace)
    {
        var accelerator = Device(device);
        var x = Inputs(DeviceData.Seed(count, (int)activation), count);
        var expected = ReferenceOps.ActivationForward(activation, x, count);

        using var dx = DeviceData.Guarded(accelerator, x);
        using var separate = inPlace ? null : DeviceData.Guarded(accelerator, DeviceData.Filled(count, float.NaN));
        var dy = separate ?? dx;
        accelerator.ActivationForward(activation, dx, dy, count);

        Verify.Elementwise($"{activation}(x)", DeviceData.ReadGuarded(dy, "y"), expected, AbsoluteTolerance(activation));
        if (!inPlace) DeviceData.Unchanged(dx, x, "x");
    }

    [Test]
    public void ActivationBackwardMatchesReference(
        [ValueSource(typeof(TestAccelerators), nameof(TestAccelerators.Selected))] string device,
        [Values] Activation activation, [ValueSource(nameof(Counts))] int count, [Values] bool dxAliasesDy)
    {
        var accelerator = Device(device);
        int seed = DeviceData.Seed(count, (int)activation, 7);
        // y is a genuine forward output (relu gives exact zeros, sigmoid (0, 1), tanh (-1, 1)).
        var y = ReferenceOps.ActivationForward(activation, Inputs(seed, count), count).Select(v => (float)v).ToArray();
        var dy = DeviceData.Uniform(seed + 1, count, -3f, 3f);
        var expected = ReferenceOps.ActivationBackward(activation, y, dy, count);

        using var dY = accelerator.Upload<float>(y);
        using var dDy = DeviceData.Guarded(accelerator, dy);
        using var separate = dxAliasesDy ? null : DeviceData.Guarded(accelerator, DeviceData.Filled(count, float.NaN));
        var dDx = separate ?? dDy;
        accelerator.ActivationBackward(activation, dY, dDy, dDx, count);

        Verify.Elementwise($"{activation}'", DeviceData.ReadGuarded(dDx, "dx"), expected, AbsoluteTolerance(activation));
        DeviceData.Unchanged(dY, y, "y");
        if (!dxAliasesDy) DeviceData.Unchanged(dDy, dy, "dy");
    }

    private static double AbsoluteTolerance(Activation activation) =>
        activation is Activation.Sigmoid or Activation.Tanh ? KernelTolerances.SmoothAbsolute : KernelTolerances.ElementwiseAbsolute;

    /// <summary>Uniform in [-6, 6], with <see cref="Specials"/> at the front.</summary>
    private static float[] Inputs(int seed, int count)
    {
        var x = DeviceData.Uniform(seed, count, -6f, 6f);
        Specials.AsSpan(0, Math.Min(count, Specials.Length)).CopyTo(x);
        return x;
    }
}

using GpuDigits.Engine;
using GpuDigits.Model;
using NUnit.Framework;

namespace GpuDigits.Tests.Model;

/// <summary>
/// The whole network's back-propagated gradient against central finite differences of its loss
/// (mean softmax cross-entropy over a batch), on the CPU accelerator, for each activation.
/// Float32 central differences with h = 1e-3 carry about 1e-4 of rounding noise, hence the tolerance
/// |numeric - analytic| &lt;= 6e-4 + 2e-2 |analytic|.
/// </summary>
public class GradientCheckTests
{
    [TestCase(Activation.Relu)]
    [TestCase(Activation.Sigmoid)]
    [TestCase(Activation.Tanh)]
    public void BackpropMatchesFiniteDifferences(Activation activation) =>
        CheckGradients(new NetworkSpec(7, [5, 4], 3, activation), rows: 6);

    /// <summary>
    /// The whole CNN path (im2col, GEMM, bias + activation, max pooling, col2im, the dense head): two convolution
    /// stages on 10 x 10 images (conv 3 filters -> 8 x 8, pool -> 4 x 4, conv 4 filters -> 2 x 2, pool -> 1 x 1).
    /// Smooth activations, so finite differences do not straddle a ReLU kink; max pooling's switches are rare at
    /// h = 1e-3 with random inputs.
    /// </summary>
    [TestCase(Activation.Tanh)]
    [TestCase(Activation.Sigmoid)]
    public void CnnBackpropMatchesFiniteDifferences(Activation activation) =>
        CheckGradients(new NetworkSpec(100, [6], 3, activation) { ConvFilters = [3, 4] }, rows: 3);

    private static void CheckGradients(NetworkSpec spec, int rows)
    {
        var activation = spec.Activation;
        using var acc = AcceleratorCatalog.Default().Open("cpu");
        using var net = new Network(acc, spec, rows);
        net.Initialize(new SeededRandom(42));

        var random = new Random(11);
        var xHost = Enumerable.Range(0, rows * spec.Inputs).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var labelsHost = Enumerable.Range(0, rows).Select(i => i % spec.Classes).ToArray();
        using var x = acc.Upload<float>(xHost);
        using var labels = acc.Upload<int>(labelsHost);
        using var stats = acc.Allocate<float>(2);

        double Loss()
        {
            stats.CopyFromHost([0f, 0f]);
            net.Forward(x, rows);
            net.Loss(labels, rows, stats, withGradient: false);
            return stats.ToArray()[0] / (double)rows;
        }

        stats.CopyFromHost([0f, 0f]);
        net.Forward(x, rows);
        net.Loss(labels, rows, stats, withGradient: true);
        net.Backward(x, rows);
        var analytic = net.Parameters.Select(p => p.Gradient.ToArray()).ToArray();

        const float h = 1e-3f;
        int checkedCount = 0;
        for (int pi = 0; pi < net.Parameters.Count; pi++)
        {
            var parameter = net.Parameters[pi];
            var values = parameter.Value.ToArray();
            for (int i = 0; i < values.Length; i++)
            {
                float original = values[i];
                values[i] = original + h;
                parameter.Value.CopyFromHost(values);
                double plus = Loss();
                values[i] = original - h;
                parameter.Value.CopyFromHost(values);
                double minus = Loss();
                values[i] = original;
                parameter.Value.CopyFromHost(values);

                double numeric = (plus - minus) / (2 * h);
                double a = analytic[pi][i];
                Assert.That(Math.Abs(numeric - a), Is.LessThanOrEqualTo(6e-4 + 2e-2 * Math.Abs(a)),
                    $"{parameter.Name}[{i}] ({activation}): numeric {numeric:G6}, backprop {a:G6}");
                checkedCount++;
            }
        }
        Assert.That(checkedCount, Is.EqualTo(spec.ParameterCount));
    }

    [Test]
    public void GradientIsNotTriviallyZero()
    {
        var spec = new NetworkSpec(4, [3], 2, Activation.Tanh);
        using var acc = AcceleratorCatalog.Default().Open("cpu");
        using var net = new Network(acc, spec, 2);
        net.Initialize(new SeededRandom(3));
        using var x = acc.Upload<float>([0.5f, -1f, 2f, 0.1f, -0.3f, 0.2f, 0.9f, -2f]);
        using var labels = acc.Upload<int>([0, 1]);
        using var stats = acc.Upload<float>([0f, 0f]);
        net.Forward(x, 2);
        net.Loss(labels, 2, stats, withGradient: true);
        net.Backward(x, 2);
        Assert.That(net.Parameters.Sum(p => p.Gradient.ToArray().Sum(Math.Abs)), Is.GreaterThan(1e-3));
    }
}

using GpuDigits.Engine.Verification;
using GpuDigits.Engine;
using GpuDigits.Engine.Verification.Reference;
using NUnit.Framework;

namespace GpuDigits.Tests.Engine;

/// <summary>softmax_xent: probabilities, gradient, loss sum and correct count against the float64 reference.</summary>
[TestFixture]
public sealed class SoftmaxOpTests : AcceleratorFixture
{
    public static readonly (int Rows, int Cols)[] Shapes =
        [(1, 1), (1, 10), (7, 33), (33, 7), (127, 10), (128, 10), (129, 785)];

    [Test]
    public void MatchesReference(
        [ValueSource(typeof(TestAccelerators), nameof(TestAccelerators.Selected))] string device,
        [ValueSource(nameof(Shapes))] (int Rows, int Cols) shape, [Values] bool withGradient,
        [Values] bool probabilitiesAliasLogits)
    {
        var (rows, cols) = shape;
        int seed = DeviceData.Seed(rows, cols);
        var logits = DeviceData.Uniform(seed, rows * cols, -8f, 8f);
        var labels = DeviceData.Ints(seed + 1, rows, cols);
        RunAndCheck(Device(device), logits, labels, rows, cols, withGradient, probabilitiesAliasLogits,
            gradientScale: 1f / rows, statsBefore: [0.5f, 3f]);
    }

    [Test]
    public void LargeLogitsStayFinite(
        [ValueSource(typeof(TestAccelerators), nameof(TestAccelerators.Selected))] string device)
    {
        const int cols = 5;
        float[][] rows =
        [
            [1000f, -1000f, 0f, 999f, -1000f],       // label the max
            [1000f, -1000f, 0f, 999f, -1000f],       // label a -1000: p underflows to 0, loss clamps at -log(1e-30)
            [-1000f, -1000f, -1000f, -1000f, -1000f], // all tiny: uniform
            [1000f, 1000f, 1000f, 1000f, 1000f],      // all huge: uniform
            [-1000f, -999f, -1000f, -998f, -1000f],   // only very negative values
            [1000f, 999.5f, -1000f, 1000f, 3f],       // tie at the max
        ];
        int[] labels = [0, 1, 2, 3, 3, 1];
        var logits = rows.SelectMany(r => r).ToArray();
        var (probabilities, _) = RunAndCheck(Device(device), logits, labels, rows.Length, cols, withGradient: true,
            aliased: false, gradientScale: 0.25f, statsBefore: [0f, 0f]);
        Assert.That(probabilities.All(float.IsFinite), Is.True, "probabilities are finite");
    }

    [Test]
    public void CorrectCountUsesTheFirstArgMax(
        [ValueSource(typeof(TestAccelerators), nameof(TestAccelerators.Selected))] string device)
    {
        const int cols = 4;
        // Four rows count with the first arg-max; taking the last one instead would count two.
        float[] logits =
        [
            1f, 3f, 3f, 0f,     // label 1: first of two maxima  -> correct
            1f, 3f, 3f, 0f,     // label 2: second of two maxima -> not correct
            2f, 2f, 2f, 2f,     // label 0: all equal            -> correct
            0f, 7f, 1f, 7f,     // label 1: first of two maxima  -> correct
            -5f, -1f, -2f, -9f, // label 1: plain max            -> correct
            -5f, -1f, -2f, -9f, // label 2                       -> not correct
        ];
        int[] labels = [1, 2, 0, 1, 1, 2];
        Assert.That(ReferenceOps.SoftmaxCrossEntropy(logits, labels, 6, cols, 1).Correct, Is.EqualTo(4), "reference");
        var (_, stats) = RunAndCheck(Device(device), logits, labels, 6, cols, withGradient: false, aliased: false,
            gradientScale: 1f, statsBefore: [0f, 0f]);
        Assert.That(stats[1], Is.EqualTo(4f));
    }

    [Test]
    public void StatsAccumulateAcrossCalls(
        [ValueSource(typeof(TestAccelerators), nameof(TestAccelerators.Selected))] string device)
    {
        var accelerator = Device(device);
        const int rows = 33, cols = 10;
        var first = DeviceData.Uniform(11, rows * cols, -5f, 5f);
        var second = DeviceData.Uniform(12, rows * cols, -5f, 5f);
        var labels1 = LabelsPartlyCorrect(first, 13, rows, cols, every: 3);
        var labels2 = LabelsPartlyCorrect(second, 14, rows, cols, every: 2);
        var r1 = ReferenceOps.SoftmaxCrossEntropy(first, labels1, rows, cols, 1);
        var r2 = ReferenceOps.SoftmaxCrossEntropy(second, labels2, rows, cols, 1);
        Assert.That(r1.Correct > 0 && r2.Correct > 0 && r1.Correct != r2.Correct, "both batches count, differently");
        float[] before = [2.5f, 4f];

        using var stats = accelerator.Upload<float>(before);
        using var probabilities = accelerator.Allocate<float>(rows * cols);
        foreach (var (logits, labels) in new[] { (first, labels1), (second, labels2) })
        {
            using var dLogits = accelerator.Upload<float>(logits);
            using var dLabels = accelerator.Upload<int>(labels);
            accelerator.SoftmaxCrossEntropy(dLogits, dLabels, rows, cols, probabilities, null, 1f, stats);
        }

        var actual = stats.ToArray();
        double loss = before[0] + r1.LossSum + r2.LossSum;
        Assert.That(actual[0], Is.EqualTo(loss).Within(KernelTolerances.LossRelative * loss), "loss sum");
        Assert.That(actual[1], Is.EqualTo(before[1] + r1.Correct + r2.Correct), "correct count");
    }

    /// <summary>
    /// A label outside the classes (gather's -1 for a row out of range, or any other) has probability 0: its loss term
    /// is -log(1e-30), it is never right, its gradient row is scale * p, and no other row and nothing outside the
    /// outputs is touched (a -1 once made the CPU backend write into the row before).
    /// </summary>
    [Test]
    public void LabelsOutOfRangeAreNeverRight(
        [ValueSource(typeof(TestAccelerators), nameof(TestAccelerators.Selected))] string device)
    {
        const int rows = 6, cols = 10;
        var logits = DeviceData.Uniform(21, rows * cols, -4f, 4f);
        logits[0] = 50f; // row 0's arg-max is class 0: a label of 0 would be right
        int[] labels = [-1, 3, cols, 0, -1, int.MinValue];
        var expected = ReferenceOps.SoftmaxCrossEntropy(logits, labels, rows, cols, 0.5);
        Assert.That(expected.Gradient.Take(cols), Is.EqualTo(expected.Probabilities.Take(cols).Select(p => 0.5 * p)), "reference: no one-hot");
        var (_, stats) = RunAndCheck(Device(device), logits, labels, rows, cols, withGradient: true, aliased: false,
            gradientScale: 0.5f, statsBefore: [0f, 0f]);
        Assert.That(stats[0], Is.GreaterThanOrEqualTo(4 * -Math.Log(1e-30) * (1 - KernelTolerances.LossRelative)), "four unknown labels add -log(1e-30) each");
        Assert.That(stats[1], Is.EqualTo(expected.Correct));
    }

    /// <summary>Random labels, except that every <paramref name="every"/>-th row is labelled with its arg-max.</summary>
    private static int[] LabelsPartlyCorrect(float[] logits, int seed, int rows, int cols, int every)
    {
        var labels = DeviceData.Ints(seed, rows, cols);
        for (int r = 0; r < rows; r += every)
            labels[r] = Array.IndexOf(logits, logits.Skip(r * cols).Take(cols).Max(), r * cols, cols) - r * cols;
        return labels;
    }

    /// <summary>Runs one call and checks every output; returns the probabilities and the stats.</summary>
    private static (float[] Probabilities, float[] Stats) RunAndCheck(Accelerator accelerator, float[] logits, int[] labels,
        int rows, int cols, bool withGradient, bool aliased, float gradientScale, float[] statsBefore)
    {
        var expected = ReferenceOps.SoftmaxCrossEntropy(logits, labels, rows, cols, gradientScale);

        using var dLogits = DeviceData.Guarded(accelerator, logits);
        using var dLabels = accelerator.Upload<int>(labels);
        using var separate = aliased ? null : DeviceData.Guarded(accelerator, DeviceData.Filled(rows * cols, float.NaN));
        using var dGradient = withGradient ? DeviceData.Guarded(accelerator, DeviceData.Filled(rows * cols, float.NaN)) : null;
        using var dStats = DeviceData.Guarded(accelerator, statsBefore);
        var dProbabilities = separate ?? dLogits;
        accelerator.SoftmaxCrossEntropy(dLogits, dLabels, rows, cols, dProbabilities, dGradient, gradientScale, dStats);

        var probabilities = DeviceData.ReadGuarded(dProbabilities, "probabilities");
        Verify.Close("probabilities", probabilities, expected.Probabilities, _ => KernelTolerances.Softmax);
        if (dGradient is not null)
            Verify.Close("gradient", DeviceData.ReadGuarded(dGradient, "gradient"), expected.Gradient,
                _ => KernelTolerances.Softmax * Math.Abs(gradientScale));

        var stats = DeviceData.ReadGuarded(dStats, "stats");
        double loss = statsBefore[0] + expected.LossSum;
        Assert.That(stats[0], Is.EqualTo(loss).Within(KernelTolerances.LossRelative * loss), "loss sum (stats[0])");
        Assert.That(stats[1], Is.EqualTo(statsBefore[1] + expected.Correct), "correct count (stats[1])");

        DeviceData.Unchanged(dLabels, labels, "labels");
        if (!aliased) DeviceData.Unchanged(dLogits, logits, "logits");
        return (probabilities, stats);
    }
}

using GpuDigits.Engine.Verification;
using GpuDigits.Engine.Verification.Reference;
using NUnit.Framework;

namespace GpuDigits.Tests.Engine;

/// <summary>column_sums: sums[c] = beta * sums[c] + sum_r x[r, c] against the float64 reference.</summary>
[TestFixture]
public sealed class ReductionOpTests : AcceleratorFixture
{
    public static readonly (int Rows, int Cols)[] Shapes =
        [(1, 1), (7, 1), (1, 785), (33, 127), (129, 33), (128, 128), (785, 10), (0, 7),
         (128 * 26 * 26, 32), // the CNN's conv1 bias gradient: the CPU backend's column strips, shared by the threads
         (60_001, 37)];       // strips with a narrow last one

    [Test]
    public void ColumnSumsMatchReference(
        [ValueSource(typeof(TestAccelerators), nameof(TestAccelerators.Selected))] string device,
        [ValueSource(nameof(Shapes))] (int Rows, int Cols) shape, [Values(0f, 1f, 0.5f, -2f)] float beta)
    {
        var accelerator = Device(device);
        var (rows, cols) = shape;
        int seed = DeviceData.Seed(rows, cols);
        // With rows = 0 the x buffer still gets one element (never read), so no backend is asked for an empty allocation.
        var x = DeviceData.Uniform(seed, Math.Max(1, rows * cols), -2f, 2f);
        // beta = 0 must not read the old sums: they start as NaN then.
        var sums = beta == 0f ? DeviceData.Filled(cols, float.NaN) : DeviceData.Uniform(seed + 1, cols, -10f, 10f);
        var expected = ReferenceOps.ColumnSums(x, rows, cols, beta == 0f ? null : sums, beta);

        using var dx = accelerator.Upload<float>(x);
        using var dSums = DeviceData.Guarded(accelerator, sums);
        accelerator.ColumnSums(dx, rows, cols, dSums, beta);

        Verify.Summed("column sums", DeviceData.ReadGuarded(dSums, "sums"), expected,
            KernelTolerances.ElementwiseRelative, KernelTolerances.ElementwiseAbsolute);
        DeviceData.Unchanged(dx, x, "x");
    }
}

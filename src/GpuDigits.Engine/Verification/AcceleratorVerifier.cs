using GpuDigits.Engine.Verification.Cases;

namespace GpuDigits.Engine.Verification;

/// <summary>
/// Runs every op of the contract on a device against the float64 reference (<see cref="Reference.ReferenceOps"/>,
/// <see cref="Reference.ReferenceConvolution"/>) with seeded inputs, over awkward shapes (1, 7, 33, 127, 129, 785, ...)
/// and the training shapes the caller gives, under the bounds of <see cref="KernelTolerances"/>. Backs
/// <c>gpudigits verify --device X</c>; the test suite runs the same <see cref="Cases"/> on every device present.
/// </summary>
public static class AcceleratorVerifier
{
    /// <summary>
    /// Every case, in the order <see cref="Run"/> checks them: the awkward shapes once, then each network's own shapes
    /// (a shape two networks share, once).
    /// </summary>
    public static IReadOnlyList<VerificationCase> Cases(IReadOnlyList<TrainingShapes> training)
    {
        var seen = new HashSet<string>();
        var all = training.Count == 0 ? CasesOf(null) : training.SelectMany(CasesOf);
        return [.. all.Where(c => seen.Add(c.ToString()))];
    }

    /// <summary>Verifies <paramref name="device"/> on every case, with one network's shapes.</summary>
    public static IReadOnlyList<VerificationRow> Run(Accelerator device, TrainingShapes training,
        Action<VerificationRow>? onRow = null, int seed = 1234) => Run(device, [training], onRow, seed);

    /// <summary>
    /// Verifies <paramref name="device"/> on every case of <see cref="Cases"/> and returns one row per compared
    /// quantity; <paramref name="onRow"/> sees each row as soon as it is known.
    /// </summary>
    public static IReadOnlyList<VerificationRow> Run(Accelerator device, IReadOnlyList<TrainingShapes> training,
        Action<VerificationRow>? onRow = null, int seed = 1234)
    {
        ArgumentNullException.ThrowIfNull(device);
        var rows = new List<VerificationRow>();
        foreach (var c in Cases(training))
            foreach (var row in c.Run(device, seed))
            {
                rows.Add(row);
                onRow?.Invoke(row);
            }
        return rows;
    }

    private static IEnumerable<VerificationCase> CasesOf(TrainingShapes? training) =>
        GemmCases.All(training)
            .Concat(ElementwiseCases.All())
            .Concat(SoftmaxCases.All())
            .Concat(OptimizerCases.All())
            .Concat(DataCases.All())
            .Concat(ConvolutionCases.All(training));
}

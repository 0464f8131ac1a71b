namespace GpuDigits.Engine.Verification;

/// <summary>
/// An error bound of the form |device - reference| &lt;= Absolute + Relative * scale, per element, where scale is
/// |reference| for elementwise results, and for sums (GEMM, column sums, col2im) the sum of the magnitudes of the
/// terms, for optimizer updates |old value| + |change|, as kernels/README.md states them.
/// </summary>
public sealed record VerificationTolerance(double Absolute, double Relative, string Description)
{
    public override string ToString() => Description;
}

/// <summary>
/// One compared quantity of one op on one shape, against the float64 reference.
/// <see cref="MaxRelError"/> is the largest |device - reference| / max(scale, Absolute / Relative) (so values near
/// zero, where the absolute bound rules, do not blow it up); <see cref="ToleranceUsed"/> is the largest ratio of an
/// element's error to its bound: the row passes when it is at most 1 (and no NaN appears on one side only).
/// </summary>
public sealed record VerificationRow(
    string Op,
    string Shape,
    double MaxAbsError,
    double MaxRelError,
    VerificationTolerance Tolerance,
    double ToleranceUsed,
    bool Passed);

/// <summary>One GEMM a training step issues: C = act(op(A) op(B) + bias), op(A) m x k, op(B) k x n.</summary>
public sealed record GemmShape(bool TransA, bool TransB, int M, int N, int K, bool Bias, Activation Activation)
{
    public override string ToString() =>
        $"{(TransA ? "T" : "N")}{(TransB ? "T" : "N")} m={M} n={N} k={K}{(Bias ? " +bias" : "")}{(Activation != Activation.None ? $" {Activation.ToName()}" : "")}";
}

/// <summary>A batch of NHWC images: for a convolution (im2col, col2im) with its kernel side, or pooled (Kernel 0).</summary>
public sealed record ImageShape(int Images, int Height, int Width, int Channels, int Kernel = 0)
{
    public override string ToString() => $"{Images}x{Height}x{Width}x{Channels}{(Kernel > 0 ? $" k{Kernel}" : "")}";
}

/// <summary>
/// The shapes of training one network, which the caller (who knows the network: <c>NetworkSpec.TrainingShapes</c>)
/// hands the verifier: every GEMM of a step (forward with bias and activation, weight and input gradients, a ragged
/// final batch), every convolution's im2col/col2im and every pooling.
/// </summary>
public sealed record TrainingShapes(string Name, IReadOnlyList<GemmShape> Gemms, IReadOnlyList<ImageShape> Convolutions,
    IReadOnlyList<ImageShape> Pools)
{
    public override string ToString() => Name;
}

/// <summary>
/// One check of the verifier: an op family on one shape. <see cref="Run"/> makes its seeded inputs, runs the op on the
/// device, computes the float64 reference (<see cref="Reference.ReferenceOps"/>) and compares; each case draws its
/// inputs from its own generator, so a case gives the same rows alone as in the whole run.
/// </summary>
public sealed record VerificationCase(string Op, string Shape, Func<Accelerator, Random, IEnumerable<VerificationRow>> Check)
{
    public IReadOnlyList<VerificationRow> Run(Accelerator device, int seed) => [.. Check(device, new Random(StableSeed(seed)))];

    public override string ToString() => $"{Op} {Shape}";

    /// <summary>FNV-1a of the case's name, mixed with the run's seed: stable across processes (string hashes are not).</summary>
    private int StableSeed(int seed)
    {
        uint h = 2166136261u ^ (uint)seed;
        foreach (char ch in ToString()) h = (h ^ ch) * 16777619u;
        return (int)(h & 0x7fffffff);
    }
}

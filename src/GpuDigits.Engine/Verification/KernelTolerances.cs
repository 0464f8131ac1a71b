namespace GpuDigits.Engine.Verification;

/// <summary>
/// The tolerances every backend is held to against the float64 reference, in one place: the verifier
/// (<c>gpudigits verify</c>) and the test suite both use these, and kernels/README.md states them (a test checks that
/// the README says the same numbers). Bounds on sums whose terms may cancel (GEMM, column sums, col2im) are relative
/// to the sum of the terms' magnitudes, because a float sum's rounding error is proportional to that; optimizer
/// updates are relative to |old value| + |change|.
/// </summary>
public static class KernelTolerances
{
    /// <summary>GEMM: |err| &lt;= 1e-4 (1 + sum of |terms|) per element (the epilogue's |beta c| and |bias| count as terms).</summary>
    public const double Gemm = 1e-4;

    /// <summary>Elementwise ops, gather, column sums: 1e-5 relative + 1e-6 absolute.</summary>
    public const double ElementwiseRelative = 1e-5;
    public const double ElementwiseAbsolute = 1e-6;

    /// <summary>Sigmoid and tanh (forward and backward): 2e-6 absolute instead of 1e-6.</summary>
    public const double SmoothAbsolute = 2e-6;

    /// <summary>Softmax probabilities and gradients: 1e-5 absolute.</summary>
    public const double Softmax = 1e-5;

    /// <summary>Cross-entropy loss sum: 1e-4 relative (correct counts exact).</summary>
    public const double LossRelative = 1e-4;

    /// <summary>Optimizer updates: 1e-5 relative to |old value| + |change|, with a 1e-6 absolute floor in the verifier.</summary>
    public const double Optimizer = 1e-5;
    public const double OptimizerAbsoluteFloor = 1e-6;

    // The same numbers as the verifier's bounds, each with the text its table shows.

    public static readonly VerificationTolerance GemmBound = new(Gemm, Gemm, $"{Gemm:0e0} (1 + sum |terms|)");
    public static readonly VerificationTolerance ElementwiseBound = new(ElementwiseAbsolute, ElementwiseRelative,
        $"{ElementwiseRelative:0e0} rel + {ElementwiseAbsolute:0e0} abs");
    public static readonly VerificationTolerance SumBound = new(ElementwiseAbsolute, ElementwiseRelative,
        $"{ElementwiseRelative:0e0} sum |terms| + {ElementwiseAbsolute:0e0}");
    public static readonly VerificationTolerance SmoothBound = new(SmoothAbsolute, ElementwiseRelative,
        $"{ElementwiseRelative:0e0} rel + {SmoothAbsolute:0e0} abs");
    public static readonly VerificationTolerance SoftmaxBound = new(Softmax, 0, $"{Softmax:0e0} abs");
    public static readonly VerificationTolerance LossBound = new(0, LossRelative, $"{LossRelative:0e0} rel");
    public static readonly VerificationTolerance OptimizerBound = new(OptimizerAbsoluteFloor, Optimizer,
        $"{Optimizer:0e0} (|old| + |change|) + {OptimizerAbsoluteFloor:0e0}");
    public static readonly VerificationTolerance ExactBound = new(0, 0, "exact");
}

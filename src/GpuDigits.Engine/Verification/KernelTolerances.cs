namespace GpuDigits.Engine.Verification;

/// <summary>
/// The tolerances every backend is held to against a float64 reference, in one place: the verifier
/// (<c>gpudigits verify</c>) and the test suite both use these, and kernels/README.md states them (a test checks that
/// the README says the same numbers). Bounds on sums whose terms may cancel (GEMM, column sums, optimizer updates) are
/// relative to the sum of the terms' magnitudes, because a float sum's rounding error is proportional to that.
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
}

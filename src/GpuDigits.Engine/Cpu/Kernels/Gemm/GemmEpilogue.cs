using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace GpuDigits.Engine.Cpu.Kernels.Gemm;

/// <summary>
/// Work a caller hands the GEMM to run on each block of C as soon as its final values are stored, while they are in
/// L2 (<see cref="Accelerator.GemmOptimizerStep{TRule}"/>: the optimizer step of the gradient just computed). The block
/// is rows x cols at element <paramref name="offset"/> of C (leading dimension <paramref name="ldc"/>), whole rows of C
/// where the block spans its width; blocks are disjoint, each element is in exactly one, and they may run on any
/// thread, concurrently.
/// </summary>
internal interface IGemmBlockHook
{
    void Stored(long offset, nint ldc, int rows, int cols);
}

/// <summary>
/// Writes rows [<paramref name="first"/>, first + <paramref name="count"/>) of a transposed A as it would be stored
/// (K x M, each row Lda floats) into <paramref name="block"/>, for a GEMM whose A is never stored whole: a convolution's
/// weight gradient builds each k block's im2col rows from the input while they fit in L2 (<see cref="GemmKSplit"/>).
/// Called on any thread, concurrently, for disjoint rows.
/// </summary>
internal unsafe interface IGemmARows
{
    void Write(long first, int count, float* block);
}

/// <summary>
/// How a finished register tile merges into C for one k slice: C = alpha * acc + cScale * C (C not read when cScale
/// is 0), then, on the last k slice only, + bias and the activation. cScale is beta on the first slice and 1 after it.
/// ReLU is applied in registers; any other activation (sigmoid, tanh) to the tile's rows right after the store, while
/// hot, by the elementwise op's own CPU twin.
/// </summary>
internal readonly unsafe struct GemmEpilogue(float alpha, float cScale, bool last, Activation activation)
{
    public readonly float Alpha = alpha;
    public readonly float CScale = cScale;
    /// <summary>Bias (when given) and activation are applied: this is the last k slice.</summary>
    public readonly bool Last = last;
    public readonly bool Relu = last && activation == Activation.Relu;
    /// <summary>An activation other than ReLU, applied row by row after the tile is stored; None otherwise.</summary>
    public readonly Activation RowActivation = last && activation is not (Activation.None or Activation.Relu) ? activation : Activation.None;

    /// <summary>The tile kernels write raw products into a scratch tile for edge tiles.</summary>
    public static GemmEpilogue Raw => new(1f, 0f, false, Activation.None);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Apply(Vector256<float> acc, float* dst, float* bias)
    {
        var v = acc * Vector256.Create(Alpha);
        if (CScale != 0f) v = Vector256.FusedMultiplyAdd(Vector256.Load(dst), Vector256.Create(CScale), v);
        if (bias != null) v += Vector256.Load(bias);
        if (Relu) v = Vector256.Max(v, Vector256<float>.Zero);
        return v;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Apply(Vector512<float> acc, float* dst, float* bias)
    {
        var v = acc * Vector512.Create(Alpha);
        if (CScale != 0f) v = Vector512.FusedMultiplyAdd(Vector512.Load(dst), Vector512.Create(CScale), v);
        if (bias != null) v += Vector512.Load(bias);
        if (Relu) v = Vector512.Max(v, Vector512<float>.Zero);
        return v;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Apply(float acc, float* dst, float* bias)
    {
        float v = Alpha * acc;
        if (CScale != 0f) v += CScale * *dst;
        if (bias != null) v += *bias;
        if (Relu) v = MathF.Max(v, 0f);
        return v;
    }

    /// <summary><see cref="RowActivation"/> over rows x cols of C at <paramref name="c"/> (no-op for None).</summary>
    public void ActivateRows(float* c, nint ldc, int rows, int cols)
    {
        if (RowActivation == Activation.None) return;
        for (int r = 0; r < rows; r++)
        {
            var row = new Span<float>(c + r * ldc, cols);
            CpuElementwise.ActivationForward(RowActivation, row, row);
        }
    }

    /// <summary>Merges an MR x NR scratch tile of raw products into the mr x nr corner of C that exists (whole vectors first).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void MergeEdge(float* tile, int tileStride, float* c, nint ldc, int mr, int nr, float* bias)
    {
        for (int r = 0; r < mr; r++)
        {
            float* src = tile + r * tileStride, dst = c + r * ldc;
            int j = 0;
            if (Vector256.IsHardwareAccelerated)
                for (; j + 8 <= nr; j += 8)
                    Apply(Vector256.Load(src + j), dst + j, bias == null ? null : bias + j).Store(dst + j);
            for (; j < nr; j++) dst[j] = Apply(src[j], dst + j, bias == null ? null : bias + j);
        }
        ActivateRows(c, ldc, mr, nr);
    }

    /// <summary>k = 0: C = act(beta * C + bias) for the whole m x n matrix.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void EpilogueOnly(float* c, int m, int n, float beta, float* bias, Activation activation)
    {
        var e = new GemmEpilogue(0f, beta, true, activation);
        for (int i = 0; i < m; i++)
        {
            float* row = c + (long)i * n;
            for (int j = 0; j < n; j++) row[j] = e.Apply(0f, row + j, bias == null ? null : bias + j);
        }
        e.ActivateRows(c, n, m, n);
    }
}

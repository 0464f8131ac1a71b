namespace GpuDigits.Engine.Cpu.Kernels.Gemm;

/// <summary>
/// A register-tiled micro-kernel: an MR x NR tile of C held in registers, accumulated over kc steps of
/// (MR values of op(A)) x (NR values of a packed B panel), then merged into C by a <see cref="GemmEpilogue"/>.
/// The packed B panel is kc x NR, contiguous. Implementations are structs so the driver is specialized per kernel.
/// </summary>
internal unsafe interface IGemmKernel
{
    /// <summary>Rows of the register tile.</summary>
    static abstract int MR { get; }

    /// <summary>Columns of the register tile (a whole number of vectors).</summary>
    static abstract int NR { get; }

    /// <summary>A(r, p) is at a[p * lda + r]: a packed A panel (lda = MR) or op(A) = A^T read in place.</summary>
    static abstract void Panel(int kc, float* a, nint lda, float* b, float* c, nint ldc, in GemmEpilogue e, float* bias);

    /// <summary>A(r, p) is at a[r * lda + p]: op(A) = A read in place, one pointer per row.</summary>
    static abstract void Rows(int kc, float* a, nint lda, float* b, float* c, nint ldc, in GemmEpilogue e, float* bias);
}

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using GpuDigits.Engine.Cpu.Threading;
using GpuDigits.Kernels;

namespace GpuDigits.Engine.Cpu.Kernels;

/// <summary>
/// CPU twin of kernels/GatherKernels.cs: MNIST bytes + sample indices -> normalized float batch and labels. One pass
/// per row: 16 bytes are widened to four float vectors and normalized as ((b * (1/255)) - mean) * invStd, in that
/// order (no FMA), as <see cref="GatherKernels.Normalize"/>, which the scalar tail calls, so every backend rounds the
/// same way. Rows are shared over the worker team for large batches.
/// </summary>
internal static class CpuGather
{
    private const int RowsPerChunk = 32;

    /// <summary>
    /// Gathers rows start .. start + count - 1 of the order. A position outside <paramref name="indices"/> or a sample
    /// index outside the data set gives a zero row and label -1, as in the kernel (the same functions decide).
    /// </summary>
    public static void GatherBatch(byte[] images, byte[] labels, int[] indices, int start, int count,
        int features, float mean, float invStd, float[] x, int[] batchLabels, int threads, bool alwaysSplit)
    {
        int samples = features == 0 ? labels.Length : Math.Min(labels.Length, images.Length / features);
        for (int r = 0; r < count; r++)
        {
            int s = SampleOf(indices, start, r, samples);
            batchLabels[r] = s >= 0 ? labels[s] : -1;
        }
        var body = new Rows(images, indices, start, samples, features, mean, invStd, x);
        CpuParallel.For(body, count, (long)count * features >= 1 << 16 ? threads : 1, RowsPerChunk, alwaysSplit);
    }

    private static int SampleOf(int[] indices, int start, int r, int samples) =>
        GatherKernels.PositionInRange(start, r, indices.Length) ? GatherKernels.SampleOrNone(indices[start + r], samples) : -1;

    private readonly struct Rows(byte[] images, int[] indices, int start, int samples, int features, float mean, float invStd,
        float[] x) : IRangeBody
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int begin, int end)
        {
            int next = begin < end ? SampleOf(indices, start, begin, samples) : -1;
            for (int r = begin; r < end; r++)
            {
                int s = next;
                next = r + 1 < end ? SampleOf(indices, start, r + 1, samples) : -1;
                // The rows are scattered over a 47 MB set: ask for the next one while this one is converted.
                if (next >= 0) Prefetch(images, next * features, features);
                var row = x.AsSpan(r * features, features);
                if (s >= 0) NormalizeRow(images.AsSpan(s * features, features), row, mean, invStd);
                else row.Clear();
            }
        }
    }

    private static unsafe void Prefetch(byte[] images, int offset, int length)
    {
        if (!Sse.IsSupported) return;
        fixed (byte* p = &images[offset])
            for (int i = 0; i < length; i += 64) Sse.Prefetch0(p + i);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void NormalizeRow(ReadOnlySpan<byte> src, Span<float> dst, float mean, float invStd)
    {
        const float scale = 1f / 255f;
        ref byte s = ref MemoryMarshal.GetReference(src);
        ref float d = ref MemoryMarshal.GetReference(dst);
        int n = src.Length, i = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            var vs = Vector128.Create(scale);
            var vm = Vector128.Create(mean);
            var vi = Vector128.Create(invStd);
            for (; i + 16 <= n; i += 16)
            {
                var bytes = Vector128.LoadUnsafe(ref s, (nuint)i);
                var (lo, hi) = Vector128.Widen(bytes);
                var (w0, w1) = Vector128.Widen(lo);
                var (w2, w3) = Vector128.Widen(hi);
                Store(w0, vs, vm, vi, ref d, i);
                Store(w1, vs, vm, vi, ref d, i + 4);
                Store(w2, vs, vm, vi, ref d, i + 8);
                Store(w3, vs, vm, vi, ref d, i + 12);
            }
        }
        for (; i < n; i++) Unsafe.Add(ref d, i) = GatherKernels.Normalize(Unsafe.Add(ref s, i), mean, invStd);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector128<uint> pixels, Vector128<float> scale, Vector128<float> mean, Vector128<float> invStd,
        ref float d, int i)
    {
        var v = Vector128.ConvertToSingle(pixels.AsInt32());
        ((v * scale - mean) * invStd).StoreUnsafe(ref d, (nuint)i);
    }
}

using System.Runtime.CompilerServices;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Numerics.Tensors;
using GpuDigits.Kernels;

namespace GpuDigits.Engine.Cpu.Kernels;

/// <summary>
/// CPU twins of kernels/BiasActivationKernels.cs: bias add, activation forward and backward, vectorized; the scalar
/// tails call the kernels' own formulas (<see cref="Activations"/>), the vector bodies compute them in the same order.
/// </summary>
internal static class CpuElementwise
{
    /// <summary>x[r, c] += bias[c], one vectorized row at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BiasAdd(Span<float> x, ReadOnlySpan<float> bias, int rows, int cols)
    {
        var b = bias[..cols];
        for (int r = 0; r < rows; r++) AddTo(x.Slice(r * cols, cols), b);
    }

    /// <summary>
    /// y = f(x) elementwise: the library's vectorized functions where it has f, else the kernels' own scalar formula
    /// (<see cref="Activations.Apply"/>), so an activation added there runs here unchanged.
    /// </summary>
    public static void ActivationForward(Activation activation, ReadOnlySpan<float> x, Span<float> y)
    {
        switch (activation)
        {
            case Activation.None: x.CopyTo(y); break;
            case Activation.Relu: TensorPrimitives.Max(x, 0f, y); break;
            case Activation.Sigmoid: TensorPrimitives.Sigmoid(x, y); break;
            case Activation.Tanh: TensorPrimitives.Tanh(x, y); break;
            default:
                for (int i = 0; i < y.Length; i++) y[i] = Activations.Apply(x[i], (int)activation);
                break;
        }
    }

    /// <summary>
    /// dx = dy * f'(x), with f' expressed through the forward output y: vector bodies for the activations that have one,
    /// the kernels' scalar formula (<see cref="Activations.Backward"/>) for the tails and for any other activation.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ActivationBackward(Activation activation, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        int n = dx.Length, i = 0, w = Vector<float>.Count;
        switch (activation)
        {
            case Activation.None:
                dy.CopyTo(dx);
                return;
            case Activation.Relu:
            {
                ref float ry = ref MemoryMarshal.GetReference(y);
                ref float rdy = ref MemoryMarshal.GetReference(dy);
                ref float rdx = ref MemoryMarshal.GetReference(dx);
                for (; i <= n - w; i += w)
                {
                    var yv = Vector.LoadUnsafe(ref ry, (nuint)i);
                    var g = Vector.LoadUnsafe(ref rdy, (nuint)i);
                    Vector.ConditionalSelect(Vector.GreaterThan(yv, Vector<float>.Zero), g, Vector<float>.Zero).StoreUnsafe(ref rdx, (nuint)i);
                }
                for (; i < n; i++) dx[i] = Activations.Backward(y[i], dy[i], Activations.Relu);
                return;
            }
            case Activation.Sigmoid:
                for (; i <= n - w; i += w)
                {
                    var yv = new Vector<float>(y[i..]);
                    (new Vector<float>(dy[i..]) * yv * (Vector<float>.One - yv)).CopyTo(dx[i..]);
                }
                for (; i < n; i++) dx[i] = Activations.Backward(y[i], dy[i], Activations.Sigmoid);
                return;
            case Activation.Tanh:
                for (; i <= n - w; i += w)
                {
                    var yv = new Vector<float>(y[i..]);
                    (new Vector<float>(dy[i..]) * (Vector<float>.One - yv * yv)).CopyTo(dx[i..]);
                }
                for (; i < n; i++) dx[i] = Activations.Backward(y[i], dy[i], Activations.Tanh);
                return;
            default:
                for (; i < n; i++) dx[i] = Activations.Backward(y[i], dy[i], (int)activation);
                return;
        }
    }

    /// <summary>
    /// dst[i] += src[i] over the whole of <paramref name="dst"/>, a vector at a time (bias add adds the bias to each
    /// row, column sums add each row to the sums). Plain loops, not TensorPrimitives: these spans are 10 to 128 long,
    /// where a library call's overhead is measurable (docs/benchmarks.md).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void AddTo(Span<float> dst, ReadOnlySpan<float> src)
    {
        ref float rd = ref MemoryMarshal.GetReference(dst);
        ref float rs = ref MemoryMarshal.GetReference(src);
        int w = Vector<float>.Count, n = dst.Length, c = 0;
        for (; c <= n - w; c += w)
            (Vector.LoadUnsafe(ref rd, (nuint)c) + Vector.LoadUnsafe(ref rs, (nuint)c)).StoreUnsafe(ref rd, (nuint)c);
        for (; c < n; c++) dst[c] += src[c];
    }
}

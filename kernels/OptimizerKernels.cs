using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace GpuDigits.Kernels;

/// <summary>Scalar arguments of <see cref="OptimizerKernels.Adam"/>, by name.</summary>
public struct AdamArgs
{
    public int Count;
    public float Beta1;
    public float Beta2;
    public float Epsilon;
}

/// <summary>Scalar arguments of <see cref="OptimizerKernels.SgdMomentum"/>, by name.</summary>
public struct SgdArgs
{
    public int Count;
    public float Momentum;
}

/// <summary>
/// In-place parameter updates over flat arrays, 1-D grid-stride (thread g of G updates elements g, g + G, ...). The
/// per-step scalars are read from device memory when the kernel runs (scalars[0] the learning rate, scalars[1] and
/// scalars[2] Adam's bias corrections, the layout of GpuDigits.Engine.OptimizerScalars), so a recorded training step
/// follows a learning rate and bias corrections that the host changes between replays.
/// </summary>
public static class OptimizerKernels
{
    /// <summary>SGD with momentum (the PyTorch form): v = momentum * v + g; p -= lr * v.</summary>
    public static void SgdMomentum(SgdArgs args, ArrayView<float> p, ArrayView<float> g, ArrayView<float> v,
        ArrayView<float> scalars)
    {
        float lr = scalars[0];
        for (int i = Grid.GlobalIndex.X; i < args.Count; i += Grid.DimX * Group.DimX)
        {
            float vv = SgdVelocity(v[i], g[i], args.Momentum);
            v[i] = vv;
            p[i] -= lr * vv;
        }
    }

    /// <summary>The new velocity momentum * v + g (the parameter then moves by -lr times it).</summary>
    public static float SgdVelocity(float v, float g, float momentum) => momentum * v + g;

    /// <summary>Adam's first moment b1 m + (1 - b1) g.</summary>
    public static float AdamFirstMoment(float m, float g, float beta1) => beta1 * m + (1f - beta1) * g;

    /// <summary>Adam's second moment b2 v + (1 - b2) g^2.</summary>
    public static float AdamSecondMoment(float v, float g, float beta2) => beta2 * v + (1f - beta2) * g * g;

    /// <summary>Adam's step, subtracted from the parameter: lr (m c1) / (sqrt(v c2) + eps).</summary>
    public static float AdamStep(float m, float v, float lr, float c1, float c2, float epsilon) =>
        lr * (m * c1) / (XMath.Sqrt(v * c2) + epsilon);

    /// <summary>Adam: m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; p -= lr * (m c1) / (sqrt(v c2) + eps).</summary>
    public static void Adam(AdamArgs args, ArrayView<float> p, ArrayView<float> g, ArrayView<float> m,
        ArrayView<float> v, ArrayView<float> scalars)
    {
        float lr = scalars[0], c1 = scalars[1], c2 = scalars[2];
        for (int i = Grid.GlobalIndex.X; i < args.Count; i += Grid.DimX * Group.DimX)
        {
            float gi = g[i];
            float mi = AdamFirstMoment(m[i], gi, args.Beta1);
            float vi = AdamSecondMoment(v[i], gi, args.Beta2);
            m[i] = mi;
            v[i] = vi;
            p[i] -= AdamStep(mi, vi, lr, c1, c2, args.Epsilon);
        }
    }
}

using System.Numerics;
using System.Runtime.CompilerServices;
using ILGPU.Algorithms;

namespace GpuDigits.Kernels;

/// <summary>
/// The per-step scalars an optimizer step reads from device memory when it runs, in this order: the learning rate
/// and two values a rule defines (Adam: its bias corrections). The host writes them (<see cref="IOptimizerRule.HostScalars"/>)
/// between the replays of a recorded step.
/// </summary>
public struct StepScalars
{
    /// <summary>Elements of the device buffer that holds them.</summary>
    public const int Length = 3;

    public float LearningRate;
    public float H1;
    public float H2;
}

/// <summary>One element of a step: parameter, gradient and up to two state values (the rule's slots).</summary>
public struct OptimizerValues
{
    public float P;
    public float G;
    public float S0;
    public float S1;
}

/// <summary>
/// An optimizer's update rule, declared once: its hyperparameters are the struct's fields; <see cref="OptimizerKernels.Step{TRule}"/>
/// renders it for every ILGPU device and the CPU backend runs the same struct (its vector form over the body of a
/// tensor, the scalar form over the tail). Both forms must compute the same float operations in the same order, so
/// that every backend's result is the same bit for bit where the hardware's float is.
/// </summary>
public interface IOptimizerRule
{
    /// <summary>State values per parameter value: 1 or 2.</summary>
    int Slots { get; }

    /// <summary>One element's step (the form the kernel and the CPU twin's tail run).</summary>
    OptimizerValues Update(OptimizerValues e, StepScalars s);

    /// <summary>
    /// The same step over <see cref="Vector{T}.Count"/> elements in place (the CPU twin's body: the references point
    /// into the tensors; a one-slot rule gets <paramref name="s0"/> as <paramref name="s1"/> too and must not touch it).
    /// </summary>
    void Update(ref Vector<float> p, Vector<float> g, ref Vector<float> s0, ref Vector<float> s1, StepScalars s);

    /// <summary>The scalars of the 1-based step <paramref name="step"/> at <paramref name="learningRate"/>, computed on the host in float.</summary>
    StepScalars HostScalars(float learningRate, int step);
}

/// <summary>SGD with momentum (the PyTorch form): v = momentum * v + g; p -= lr * v. Slot 0 is v.</summary>
public struct SgdMomentumRule : IOptimizerRule
{
    public float Momentum;

    public readonly int Slots => 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly OptimizerValues Update(OptimizerValues e, StepScalars s)
    {
        e.S0 = Momentum * e.S0 + e.G;
        e.P -= s.LearningRate * e.S0;
        return e;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Update(ref Vector<float> p, Vector<float> g, ref Vector<float> s0, ref Vector<float> s1, StepScalars s)
    {
        var v = new Vector<float>(Momentum) * s0 + g;
        s0 = v;
        p -= new Vector<float>(s.LearningRate) * v;
    }

    public readonly StepScalars HostScalars(float learningRate, int step) => new() { LearningRate = learningRate };
}

/// <summary>
/// Adam with bias correction: m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; p -= lr (m c1) / (sqrt(v c2) + eps), with
/// c1 = 1/(1-b1^step), c2 = 1/(1-b2^step) read as the step scalars H1 and H2. Slot 0 is m, slot 1 is v.
/// </summary>
public struct AdamRule : IOptimizerRule
{
    public float Beta1;
    public float Beta2;
    public float Epsilon;

    public readonly int Slots => 2;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly OptimizerValues Update(OptimizerValues e, StepScalars s)
    {
        e.S0 = Beta1 * e.S0 + (1f - Beta1) * e.G;
        e.S1 = Beta2 * e.S1 + (1f - Beta2) * e.G * e.G;
        e.P -= s.LearningRate * (e.S0 * s.H1) / (XMath.Sqrt(e.S1 * s.H2) + Epsilon);
        return e;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Update(ref Vector<float> p, Vector<float> g, ref Vector<float> s0, ref Vector<float> s1, StepScalars s)
    {
        var m = new Vector<float>(Beta1) * s0 + new Vector<float>(1f - Beta1) * g;
        var v = new Vector<float>(Beta2) * s1 + new Vector<float>(1f - Beta2) * g * g;
        s0 = m;
        s1 = v;
        p -= new Vector<float>(s.LearningRate) * (m * new Vector<float>(s.H1))
            / (Vector.SquareRoot(v * new Vector<float>(s.H2)) + new Vector<float>(Epsilon));
    }

    /// <summary>The learning rate and the bias corrections 1 / (1 - beta^step), computed in float (the one place they are).</summary>
    public readonly StepScalars HostScalars(float learningRate, int step)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(step, 1);
        return new()
        {
            LearningRate = learningRate,
            H1 = 1f / (1f - MathF.Pow(Beta1, step)),
            H2 = 1f / (1f - MathF.Pow(Beta2, step)),
        };
    }
}

/// <summary>
/// AdamW (decoupled weight decay, the PyTorch form): p *= 1 - lr * weightDecay, then <see cref="AdamRule"/>'s step,
/// whose moments and slots it shares.
/// </summary>
public struct AdamWRule : IOptimizerRule
{
    public AdamRule Adam;
    public float WeightDecay;

    public readonly int Slots => 2;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly OptimizerValues Update(OptimizerValues e, StepScalars s)
    {
        e.P *= 1f - s.LearningRate * WeightDecay;
        return Adam.Update(e, s);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Update(ref Vector<float> p, Vector<float> g, ref Vector<float> s0, ref Vector<float> s1, StepScalars s)
    {
        p *= new Vector<float>(1f - s.LearningRate * WeightDecay);
        Adam.Update(ref p, g, ref s0, ref s1, s);
    }

    public readonly StepScalars HostScalars(float learningRate, int step) => Adam.HostScalars(learningRate, step);
}

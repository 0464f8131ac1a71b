using GpuDigits.Kernels;

namespace GpuDigits.Engine.Verification.Reference;

/// <summary>
/// A float64 reference for every op of the kernel contract (kernels/README.md), written from the contract table
/// with plain loops and no vectorization, blocking or reuse of backend code. Inputs are the exact float / int /
/// byte values a device receives, widened to double; results are double so that a backend's float error can be
/// measured against them.
/// </summary>
public static class ReferenceOps
{
    /// <summary>A result together with, per element, the sum of the absolute values of the terms that were added
    /// up to make it: the scale a float computation's rounding error is proportional to.</summary>
    public sealed record Summed(double[] Values, double[] Magnitudes);

    public sealed record SoftmaxResult(double[] Probabilities, double[] Gradient, double LossSum, int Correct);

    public sealed record GatherResult(double[] X, int[] Labels);

    public static double Activate(Activation activation, double x) => activation switch
    {
        Activation.None => x,
        Activation.Relu => x > 0 ? x : 0,
        Activation.Sigmoid => 1 / (1 + Math.Exp(-x)),
        Activation.Tanh => Math.Tanh(x),
        Activation.Elu => x > 0 ? x : Math.Exp(x) - 1,
        _ => throw new ArgumentOutOfRangeException(nameof(activation)),
    };

    /// <summary>f'(x) written through the forward output y = f(x).</summary>
    public static double DerivativeFromOutput(Activation activation, double y) => activation switch
    {
        Activation.None => 1,
        Activation.Relu => y > 0 ? 1 : 0,
        Activation.Sigmoid => y * (1 - y),
        Activation.Tanh => 1 - y * y,
        Activation.Elu => y > 0 ? 1 : y + 1,
        _ => throw new ArgumentOutOfRangeException(nameof(activation)),
    };

    /// <summary>
    /// C = act(alpha * op(A) op(B) + beta * C + bias). op(A) is m x k (A stored k x m when transA), op(B) is k x n
    /// (B stored n x k when transB). When beta is 0, <paramref name="c"/> is not read (it may be null or hold NaN).
    /// Magnitudes are |alpha| sum_p |a_ip b_pj| + |beta c_ij| + |bias_j| (before the activation, whose slope is at most 1).
    /// </summary>
    public static Summed Gemm(bool transA, bool transB, int m, int n, int k, double alpha, float[] a, float[] b,
        double beta, float[]? c, float[]? bias, Activation activation)
    {
        var values = new double[m * n];
        var magnitudes = new double[m * n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double dot = 0, abs = 0;
                for (int p = 0; p < k; p++)
                {
                    double av = transA ? a[p * m + i] : a[i * k + p];
                    double bv = transB ? b[j * k + p] : b[p * n + j];
                    dot += av * bv;
                    abs += Math.Abs(av * bv);
                }
                double z = alpha * dot, zAbs = Math.Abs(alpha) * abs;
                if (beta != 0)
                {
                    double old = c![i * n + j];
                    z += beta * old;
                    zAbs += Math.Abs(beta * old);
                }
                if (bias is not null)
                {
                    z += bias[j];
                    zAbs += Math.Abs((double)bias[j]);
                }
                values[i * n + j] = Activate(activation, z);
                magnitudes[i * n + j] = zAbs;
            }
        }
        return new Summed(values, magnitudes);
    }

    /// <summary>x[r, c] + bias[c] for a rows x cols matrix.</summary>
    public static double[] BiasAdd(float[] x, float[] bias, int rows, int cols)
    {
        var result = new double[rows * cols];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                result[r * cols + c] = (double)x[r * cols + c] + bias[c];
        return result;
    }

    public static double[] ActivationForward(Activation activation, float[] x, int count)
    {
        var y = new double[count];
        for (int i = 0; i < count; i++) y[i] = Activate(activation, x[i]);
        return y;
    }

    /// <summary>dx = dy * f'(x), f' taken from the forward output y.</summary>
    public static double[] ActivationBackward(Activation activation, float[] y, float[] dy, int count)
    {
        var dx = new double[count];
        for (int i = 0; i < count; i++) dx[i] = dy[i] * DerivativeFromOutput(activation, y[i]);
        return dx;
    }

    /// <summary>
    /// Row-wise softmax (max-subtracted) with cross-entropy. Gradient is gradientScale * (p - onehot(label)); the loss
    /// sum adds -log(max(p[label], 1e-30)) per row; a row is correct when the first arg-max of its logits is the label.
    /// </summary>
    public static SoftmaxResult SoftmaxCrossEntropy(float[] logits, int[] labels, int rows, int cols, double gradientScale)
    {
        var probabilities = new double[rows * cols];
        var gradient = new double[rows * cols];
        double loss = 0;
        int correct = 0;
        for (int r = 0; r < rows; r++)
        {
            int row = r * cols, label = labels[r];
            int argMax = 0;
            for (int c = 1; c < cols; c++)
                if (logits[row + c] > logits[row + argMax]) argMax = c;
            double max = logits[row + argMax];

            double sum = 0;
            for (int c = 0; c < cols; c++) sum += Math.Exp(logits[row + c] - max);
            for (int c = 0; c < cols; c++)
            {
                double p = Math.Exp(logits[row + c] - max) / sum;
                probabilities[row + c] = p;
                gradient[row + c] = gradientScale * (p - (c == label ? 1 : 0));
            }

            // A label outside the classes (gather's -1) has probability 0 and is never right.
            bool known = label >= 0 && label < cols;
            loss += -Math.Log(Math.Max(known ? probabilities[row + label] : 0, 1e-30));
            if (argMax == label) correct++;
        }
        return new SoftmaxResult(probabilities, gradient, loss, correct);
    }

    /// <summary>sums[c] = beta * sums[c] + sum_r x[r, c]; the old sums are not read when beta is 0.</summary>
    public static Summed ColumnSums(float[] x, int rows, int cols, float[]? sums, double beta)
    {
        var values = new double[cols];
        var magnitudes = new double[cols];
        for (int c = 0; c < cols; c++)
        {
            double s = 0, abs = 0;
            if (beta != 0)
            {
                s = beta * sums![c];
                abs = Math.Abs(s);
            }
            for (int r = 0; r < rows; r++)
            {
                s += x[r * cols + c];
                abs += Math.Abs((double)x[r * cols + c]);
            }
            values[c] = s;
            magnitudes[c] = abs;
        }
        return new Summed(values, magnitudes);
    }

    /// <summary>One SGD-with-momentum step, in place: v = momentum * v + g; p -= lr * v (slot 0 is v).</summary>
    public static void SgdMomentum(SgdMomentumRule rule, double[] param, double[] grad, double[][] slots, double learningRate, int step)
    {
        double momentum = rule.Momentum;
        var velocity = slots[0];
        for (int i = 0; i < param.Length; i++)
        {
            velocity[i] = momentum * velocity[i] + grad[i];
            param[i] -= learningRate * velocity[i];
        }
    }

    /// <summary>
    /// One Adam step (step counts from 1), in place, with bias-corrected moments (slot 0 is m, slot 1 is v); the
    /// corrections are computed here, in double, from the step number.
    /// </summary>
    public static void Adam(AdamRule rule, double[] param, double[] grad, double[][] slots, double learningRate, int step)
    {
        double beta1 = rule.Beta1, beta2 = rule.Beta2, epsilon = rule.Epsilon;
        var (m, v) = (slots[0], slots[1]);
        double correction1 = 1 - Math.Pow(beta1, step);
        double correction2 = 1 - Math.Pow(beta2, step);
        for (int i = 0; i < param.Length; i++)
        {
            m[i] = beta1 * m[i] + (1 - beta1) * grad[i];
            v[i] = beta2 * v[i] + (1 - beta2) * grad[i] * grad[i];
            double mHat = m[i] / correction1;
            double vHat = v[i] / correction2;
            param[i] -= learningRate * mHat / (Math.Sqrt(vHat) + epsilon);
        }
    }

    /// <summary>One AdamW step: p *= 1 - lr * weightDecay (decoupled from the gradient), then Adam's step.</summary>
    public static void AdamW(AdamWRule rule, double[] param, double[] grad, double[][] slots, double learningRate, int step)
    {
        double decay = 1 - learningRate * rule.WeightDecay;
        for (int i = 0; i < param.Length; i++) param[i] *= decay;
        Adam(rule.Adam, param, grad, slots, learningRate, step);
    }

    /// <summary>
    /// For r &lt; count, s = indices[start + r]: x[r, f] = (images[s, f] / 255 - mean) * invStd; label = labels[s].
    /// A position outside the indices or a sample outside the data gives a zero row and label -1.
    /// </summary>
    public static GatherResult GatherBatch(byte[] images, byte[] labels, int[] indices, int start, int count,
        int features, double mean, double invStd)
    {
        var x = new double[count * features];
        var batchLabels = new int[count];
        int samples = features == 0 ? labels.Length : Math.Min(labels.Length, images.Length / features);
        for (int r = 0; r < count; r++)
        {
            long position = (long)start + r;
            int s = position >= 0 && position < indices.Length ? indices[position] : -1;
            if (s < 0 || s >= samples)
            {
                batchLabels[r] = -1;
                continue;
            }
            for (int f = 0; f < features; f++)
                x[r * features + f] = (images[s * features + f] / 255.0 - mean) * invStd;
            batchLabels[r] = labels[s];
        }
        return new GatherResult(x, batchLabels);
    }
}

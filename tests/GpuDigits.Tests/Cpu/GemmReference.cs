namespace GpuDigits.Tests.Cpu;

/// <summary>
/// A float64 GEMM with the contract's epilogue, written independently of the engine: the plain triple loop over
/// row-major operands, C = act(alpha op(A) op(B) + beta C + bias). Also returns the error bound of the contract,
/// 1e-4 (1 + sum_p |a_ip b_pj|), per element.
/// </summary>
internal static class GemmReference
{
    public static (double[] Expected, double[] Bound) Compute(bool transA, bool transB, int m, int n, int k, float alpha,
        float[] a, float[] b, float beta, float[] c, float[]? bias, GpuDigits.Engine.Activation activation)
    {
        var expected = new double[m * n];
        var bound = new double[m * n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0, magnitude = 0;
                for (int p = 0; p < k; p++)
                {
                    double x = transA ? a[p * m + i] : a[i * k + p];
                    double y = transB ? b[j * k + p] : b[p * n + j];
                    sum += x * y;
                    magnitude += Math.Abs(x * y);
                }
                double v = alpha * sum + (beta == 0 ? 0 : beta * (double)c[i * n + j]) + (bias is null ? 0 : bias[j]);
                expected[i * n + j] = activation switch
                {
                    GpuDigits.Engine.Activation.Relu => Math.Max(0, v),
                    GpuDigits.Engine.Activation.Sigmoid => 1 / (1 + Math.Exp(-v)),
                    GpuDigits.Engine.Activation.Tanh => Math.Tanh(v),
                    _ => v,
                };
                bound[i * n + j] = 1e-4 * (1 + Math.Abs(alpha) * magnitude + (beta == 0 ? 0 : Math.Abs(beta * c[i * n + j])) + (bias is null ? 0 : Math.Abs(bias[j])));
            }
        }
        return (expected, bound);
    }
}

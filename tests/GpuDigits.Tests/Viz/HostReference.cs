using GpuDigits.Engine.Verification.Reference;
using GpuDigits.Data;
using GpuDigits.Engine;
using GpuDigits.Model.Persistence;

namespace GpuDigits.Tests.Viz;

/// <summary>A float64 forward pass on the host, straight from a model file's parameters, with the tests' float64 activations (<see cref="ReferenceOps"/>): an independent reference.</summary>
internal static class HostReference
{
    public static int[] Predict(ModelFile model, MnistSplit data)
    {
        var widths = model.Spec.Widths;
        var result = new int[data.Count];
        for (int n = 0; n < data.Count; n++)
        {
            var image = data.Image(n);
            var a = new double[widths[0]];
            for (int i = 0; i < a.Length; i++) a[i] = (image[i] / 255.0 - model.Normalization.Mean) / model.Normalization.Std;
            for (int layer = 0; layer + 1 < widths.Count; layer++)
            {
                float[] w = model.Parameters[2 * layer], b = model.Parameters[2 * layer + 1];
                int inputs = widths[layer], outputs = widths[layer + 1];
                var z = new double[outputs];
                for (int o = 0; o < outputs; o++)
                {
                    double sum = b[o];
                    for (int i = 0; i < inputs; i++) sum += a[i] * w[i * outputs + o];
                    bool last = layer + 2 == widths.Count;
                    z[o] = last ? sum : ReferenceOps.Activate(model.Spec.Activation, sum);
                }
                a = z;
            }
            result[n] = Array.IndexOf(a, a.Max());
        }
        return result;
    }
}

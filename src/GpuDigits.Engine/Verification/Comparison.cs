namespace GpuDigits.Engine.Verification;

/// <summary>
/// The verifier's plumbing: seeded inputs, running one op on a device with its inputs uploaded, and the comparison of
/// a device result with the float64 reference under a <see cref="VerificationTolerance"/>.
/// </summary>
internal static class Comparison
{
    public delegate DeviceBuffer<float> BufferOf(float[] data);

    /// <summary>
    /// Runs <paramref name="op"/> on <paramref name="acc"/>: <c>buf(array)</c> uploads an array once (the same array
    /// gives the same buffer), and the buffer made from <paramref name="output"/> is read back.
    /// </summary>
    public static float[] On(Accelerator acc, float[] output, Action<BufferOf> op)
    {
        var made = new Dictionary<float[], DeviceBuffer<float>>(ReferenceEqualityComparer.Instance);
        try
        {
            DeviceBuffer<float> Buf(float[] data)
            {
                if (!made.TryGetValue(data, out var b)) made[data] = b = acc.Upload<float>(data);
                return b;
            }
            op(Buf);
            return Buf(output).ToArray();
        }
        finally
        {
            foreach (var b in made.Values) b.Dispose();
        }
    }

    public static float[] Uniform(this Random rng, int count, float lo = -1f, float hi = 1f)
    {
        var a = new float[count];
        for (int i = 0; i < count; i++) a[i] = lo + (hi - lo) * rng.NextSingle();
        return a;
    }

    public static float[] Filled(int count, float value)
    {
        var a = new float[count];
        Array.Fill(a, value);
        return a;
    }

    public static double[] Widen(float[] values) => Array.ConvertAll(values, v => (double)v);

    public static double[] Widen(int[] values) => Array.ConvertAll(values, v => (double)v);

    public static float[] Floats(int[] values) => Array.ConvertAll(values, v => (float)v);

    /// <summary>|old| + |new - old| per element: the scale of an optimizer update.</summary>
    public static double[] UpdateScale(double[] before, double[] after)
    {
        var s = new double[before.Length];
        for (int i = 0; i < s.Length; i++) s[i] = Math.Abs(before[i]) + Math.Abs(after[i] - before[i]);
        return s;
    }

    /// <summary>
    /// The row comparing <paramref name="device"/> with <paramref name="reference"/>: the scale of element i is
    /// <paramref name="scale"/>[i] when given, else |reference[i]|. NaN on both sides is agreement; on one, failure.
    /// </summary>
    public static VerificationRow Row(string op, string shape, float[] device, double[] reference, VerificationTolerance tol,
        double[]? scale = null)
    {
        double maxAbs = 0, maxRel = 0, used = 0;
        bool ok = device.Length == reference.Length;
        double floor = tol.Relative > 0 ? tol.Absolute / tol.Relative : 0;
        for (int i = 0; ok && i < device.Length; i++)
        {
            double d = device[i], r = reference[i];
            if (double.IsNaN(d) || double.IsNaN(r))
            {
                if (double.IsNaN(d) && double.IsNaN(r)) continue;
                ok = false;
                break;
            }
            double err = d == r ? 0 : Math.Abs(d - r); // equal infinities are no error
            double s = scale?[i] ?? Math.Abs(r);
            double bound = tol.Absolute + tol.Relative * s;
            maxAbs = Math.Max(maxAbs, err);
            double relBase = Math.Max(s, floor);
            maxRel = Math.Max(maxRel, err == 0 ? 0 : relBase > 0 ? err / relBase : double.PositiveInfinity);
            used = Math.Max(used, err == 0 ? 0 : bound > 0 ? err / bound : double.PositiveInfinity);
        }
        if (!ok) maxAbs = maxRel = used = double.PositiveInfinity;
        return new VerificationRow(op, shape, maxAbs, maxRel, tol, used, ok && used <= 1.0);
    }
}

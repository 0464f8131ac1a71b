namespace GpuDigits.Reports.Plotting;

/// <summary>An axis range with evenly spaced round tick values (steps of 1, 2 or 5 times a power of ten).</summary>
public sealed record Axis(double Min, double Max, double Step)
{
    public IEnumerable<double> Ticks()
    {
        int count = (int)Math.Round((Max - Min) / Step);
        for (int i = 0; i <= count; i++) yield return Min + i * Step;
    }

    /// <summary>Maps <paramref name="value"/> from this range to [<paramref name="from"/>, <paramref name="to"/>].</summary>
    public double Map(double value, double from, double to) => from + (value - Min) / (Max - Min) * (to - from);

    /// <summary>
    /// A tick label with as many decimals as the step needs; beyond a million, or for steps below a millionth, in
    /// scientific notation ("2e+307", "1.5e-08"), so no label runs to hundreds of digits.
    /// </summary>
    public string Label(double value)
    {
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        if (Math.Abs(value) < Step * 1e-9) value = 0; // -0 and rounding residue print as 0
        if (Math.Max(Math.Abs(Min), Math.Abs(Max)) >= 1e6 || Step < 1e-6)
            return value == 0 ? "0" : value.ToString("0.###e+0", invariant);
        int decimals = Math.Max(0, (int)Math.Ceiling(-Math.Log10(Step) - 1e-9));
        return Math.Round(value, decimals).ToString("F" + decimals, invariant);
    }

    /// <summary>
    /// A range that covers [<paramref name="low"/>, <paramref name="high"/>] with about <paramref name="ticks"/> round
    /// ticks; the ends are multiples of the step. An empty range is widened around its value.
    /// </summary>
    public static Axis Nice(double low, double high, int ticks = 6, double? minimumStep = null)
    {
        if (!double.IsFinite(low) || !double.IsFinite(high)) (low, high) = (0, 1);
        if (low > high) (low, high) = (high, low);
        if (high - low < 1e-12)
        {
            double pad = Math.Abs(low) > 1e-12 ? Math.Abs(low) * 0.1 : 1;
            (low, high) = (low - pad, high + pad);
        }
        double step = NiceStep((high - low) / Math.Max(1, ticks - 1));
        if (minimumStep is { } m && step < m) step = m;
        double min = Math.Floor(low / step + 1e-9) * step;
        double max = Math.Ceiling(high / step - 1e-9) * step;
        if (max <= min) max = min + step;
        if (!double.IsFinite(max)) max = high; // a round end past double.MaxValue: end at the value itself
        return new Axis(min, max, step);
    }

    private static double NiceStep(double rough)
    {
        double power = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        double fraction = rough / power;
        double nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
        return nice * power;
    }
}

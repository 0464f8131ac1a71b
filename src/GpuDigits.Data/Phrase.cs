using System.Globalization;

namespace GpuDigits.Data;

/// <summary>
/// Counts and numbers as every message of the project writes them: "1 label", "2 labels", "60,000 images"; and reals
/// in plain decimals ("0.00005", "1000") with a short exponent only far from 1 ("1e9", "2.5e-7"), never .NET's "5E-05"
/// or "1E+09".
/// </summary>
public static class Phrase
{
    /// <summary>"1 epoch", "3 epochs", "1,000 images" (<paramref name="plural"/> for irregular nouns).</summary>
    public static string Count(long count, string noun, string? plural = null) =>
        $"{count.ToString("N0", CultureInfo.InvariantCulture)} {(count == 1 ? noun : plural ?? noun + "s")}";

    /// <summary>
    /// <paramref name="value"/> to <paramref name="significant"/> significant digits: plain decimals from a millionth to
    /// a million, a short exponent beyond ("1e9", "-2.5e-7"); "nan", "inf", "-inf" for the rest.
    /// </summary>
    public static string Number(double value, int significant = 4)
    {
        if (double.IsNaN(value)) return "nan";
        if (double.IsInfinity(value)) return value > 0 ? "inf" : "-inf";
        if (value == 0) return "0";
        double magnitude = Math.Abs(value);
        if (magnitude >= 1e-6 && magnitude < 1e6)
        {
            int decimals = Math.Clamp(significant - 1 - (int)Math.Floor(Math.Log10(magnitude)), 0, 15);
            return Math.Round(value, decimals).ToString("0." + new string('#', decimals), CultureInfo.InvariantCulture).TrimEnd('.');
        }
        int exponent = (int)Math.Floor(Math.Log10(magnitude));
        double mantissa = Math.Round(value / Math.Pow(10, exponent), significant - 1);
        if (Math.Abs(mantissa) >= 10) (mantissa, exponent) = (mantissa / 10, exponent + 1);
        string digits = mantissa.ToString("0." + new string('#', Math.Max(0, significant - 1)), CultureInfo.InvariantCulture).TrimEnd('.');
        return $"{digits}e{exponent}";
    }

    /// <summary><see cref="Number(double, int)"/> of a float, by its shortest round-trip decimal (0.1f is "0.1").</summary>
    public static string Number(float value, int significant = 4) =>
        Number(double.Parse(value.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture), significant);
}

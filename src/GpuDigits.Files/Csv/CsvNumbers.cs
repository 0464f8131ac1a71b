using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;
using CsvHelper.TypeConversion;

namespace GpuDigits.Files.Csv;

/// <summary>
/// How the project's CSV files read numbers (writing keeps CsvHelper's converters). CsvHelper's own converters parse with .NET, which knows "NaN" and
/// "Infinity" but not the "nan", "inf" and "-inf" that Python, NumPy and pandas write (a metrics file edited there comes
/// back so), and report a bad value as "The conversion cannot be performed" without saying where. These accept those
/// spellings too and name the line, the column and the text of a value that is no number.
/// </summary>
public static class CsvNumbers
{
    public static void Register(TypeConverterCache cache)
    {
        cache.AddConverter<double>(new Real());
        cache.AddConverter<float>(new Real32());
        cache.AddConverter<int>(new Whole());
        cache.AddConverter<long>(new Whole64());
    }

    /// <summary>A real number: invariant decimal or exponent form, or nan / inf / -inf / infinity in any case.</summary>
    public static bool TryParseReal(string? text, out double value)
    {
        string t = (text ?? "").Trim();
        if (double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out value)) return true;
        switch (t.ToLowerInvariant())
        {
            case "nan" or "+nan" or "-nan": value = double.NaN; return true;
            case "inf" or "+inf" or "infinity" or "+infinity": value = double.PositiveInfinity; return true;
            case "-inf" or "-infinity": value = double.NegativeInfinity; return true;
            default: return false;
        }
    }

    private static CsvContentException NotA(string what, string? text, IReaderRow row)
    {
        int index = row.CurrentIndex;
        string column = row.HeaderRecord is { } header && index >= 0 && index < header.Length ? header[index] : $"{index + 1}";
        string shown = text is null ? "nothing" : $"'{(text.Length <= 40 ? text : text[..37] + "...")}'";
        return new CsvContentException($"line {row.Parser.Row}, column {column}: {shown} is not {what}");
    }

    private sealed class Real : DefaultTypeConverter
    {
        public override object ConvertFromString(string? text, IReaderRow row, MemberMapData memberMapData) =>
            TryParseReal(text, out double v) ? v : throw NotA("a number", text, row);
    }

    private sealed class Real32 : DefaultTypeConverter
    {
        public override object ConvertFromString(string? text, IReaderRow row, MemberMapData memberMapData) =>
            TryParseReal(text, out double v) ? (float)v : throw NotA("a number", text, row);
    }

    private sealed class Whole : DefaultTypeConverter
    {
        public override object ConvertFromString(string? text, IReaderRow row, MemberMapData memberMapData) =>
            int.TryParse(text?.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v : throw NotA("a whole number", text, row);
    }

    private sealed class Whole64 : DefaultTypeConverter
    {
        public override object ConvertFromString(string? text, IReaderRow row, MemberMapData memberMapData) =>
            long.TryParse(text?.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out long v) ? v : throw NotA("a whole number", text, row);
    }
}

using System.Globalization;
using System.Linq.Expressions;
using System.Reflection;
using CsvHelper;
using CsvHelper.Configuration;

namespace GpuDigits.Files.Csv;

/// <summary>
/// The column map every CSV file of the project uses (metrics.csv, the bench and evaluation CSVs): each column is named
/// once, with its property (for writing) and its constructor parameter (for reading records), at a fixed index.
/// CsvHelper 33's classic ClassMap API on purpose: no attribute conventions, and it survives trimming when the map is
/// registered as an instance.
/// Rows are written column by column through each property's getter (<see cref="WriteRow"/>): CsvHelper's
/// <c>WriteRecord</c> compiles an expression tree for the map on its first row: the first save of metrics.csv took
/// 20 ms with it and 10 ms without, and the expression compiler's own methods then kept the background JIT busy for
/// about 0.09 s of CPU during the next epochs of a training run (docs/benchmarks.md). Each field still goes through
/// CsvHelper's converters and quoting, so the text is the same (tested against <c>WriteRecord</c>).
/// </summary>
public abstract class CsvColumns<T> : ClassMap<T> where T : class
{
    private readonly List<Action<CsvWriter, T>> _writers = [];

    protected void Column<TValue>(Expression<Func<T, TValue>> property, string parameter, string name, int index)
    {
        if (index != _writers.Count)
            throw new InvalidOperationException($"Column '{name}' is declared at index {index}; columns are declared in index order, this one is {_writers.Count}.");
        if (property.Body is not MemberExpression { Member: PropertyInfo { GetMethod: { } getter } })
            throw new ArgumentException($"Column '{name}' is not a property of {typeof(T).Name}.", nameof(property));
        Map(property!).Name(name).Index(index);
        Parameter(parameter).Name(name).Index(index);
        var get = getter.CreateDelegate<Func<T, TValue>>();
        _writers.Add((csv, row) => csv.WriteField(get(row)));
    }

    /// <summary>Writes <paramref name="row"/>'s fields in column order (the caller ends the record).</summary>
    public void WriteRow(CsvWriter csv, T row)
    {
        foreach (var write in _writers) write(csv, row);
    }
}

/// <summary>Whole CSV files of one record type through a <see cref="CsvColumns{T}"/> map: one configuration, atomic writes.</summary>
public static class CsvTable
{
    /// <summary>Invariant culture, a header line, "\n" line ends.</summary>
    public static CsvConfiguration Configuration() => new(CultureInfo.InvariantCulture) { HasHeaderRecord = true, NewLine = "\n" };

    /// <summary>Replaces <paramref name="path"/> atomically with whatever <paramref name="write"/> writes.</summary>
    public static void Write(string path, Action<CsvWriter> write) =>
        AtomicFile.WriteText(path, writer =>
        {
            using var csv = new CsvWriter(writer, Configuration(), leaveOpen: true);
            write(csv);
            csv.Flush();
        });

    /// <summary>Replaces <paramref name="path"/> atomically with a header and <paramref name="rows"/>.</summary>
    public static void Write<T>(string path, CsvColumns<T> map, IEnumerable<T> rows) where T : class => Write(path, csv =>
    {
        csv.Context.RegisterClassMap(map);
        csv.WriteHeader<T>();
        csv.NextRecord();
        foreach (var row in rows)
        {
            map.WriteRow(csv, row);
            csv.NextRecord();
        }
    });

    /// <summary>
    /// Reads <paramref name="path"/> through <paramref name="read"/>. Numbers are read by <see cref="CsvNumbers"/>; a value
    /// that is no number, or a header that lacks a column, is a <see cref="CsvContentException"/> naming the line and
    /// the column, not CsvHelper's own text.
    /// </summary>
    public static TResult Read<TResult>(string path, Func<CsvReader, TResult> read)
    {
        using var reader = new StreamReader(path);
        using var csv = new CsvReader(reader, Configuration());
        CsvNumbers.Register(csv.Context.TypeConverterCache);
        try
        {
            return read(csv);
        }
        catch (HeaderValidationException e)
        {
            var missing = e.InvalidHeaders.SelectMany(h => h.Names).Distinct();
            var header = csv.HeaderRecord is { Length: > 0 } h ? string.Join(",", h) : "";
            throw new CsvContentException($"its header lacks the column{(e.InvalidHeaders.Length == 1 ? "" : "s")} {string.Join(", ", missing)}" +
                                          (header.Length > 0 ? $" (its first line is '{Shorten(header)}')" : " (it is empty)"), e);
        }
        catch (CsvHelperException e) when (Inner<CsvContentException>(e) is { } content)
        {
            throw content;
        }
        catch (CsvHelper.MissingFieldException e)
        {
            int fields = e.Context?.Parser?.Count ?? 0, columns = csv.HeaderRecord?.Length ?? 0;
            throw new CsvContentException($"line {e.Context?.Parser?.Row} has {fields} field{(fields == 1 ? "" : "s")} where the header has {columns}", e);
        }
        catch (CsvHelperException e)
        {
            // A malformed line (a missing field, a stray quote): CsvHelper's first line of text, with the line number.
            string first = e.Message.Split('\n', 2)[0].Trim().TrimEnd('.');
            throw new CsvContentException($"line {e.Context?.Parser?.Row}: {first}", e);
        }
    }

    /// <summary>Every record of <paramref name="path"/>, built through the map's constructor parameters.</summary>
    public static IReadOnlyList<T> Read<T>(string path, CsvColumns<T> map) where T : class => Read(path, csv =>
    {
        csv.Context.RegisterClassMap(map);
        return (IReadOnlyList<T>)csv.GetRecords<T>().ToList();
    });

    private static TException? Inner<TException>(Exception e) where TException : Exception
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
            if (x is TException found) return found;
        return null;
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..77] + "...";
}

/// <summary>What is wrong inside a CSV file, with the line and column where it can tell (without the file's path).</summary>
public sealed class CsvContentException(string message, Exception? inner = null) : FormatException(message, inner);

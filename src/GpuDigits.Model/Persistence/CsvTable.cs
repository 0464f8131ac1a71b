using System.Globalization;
using System.Linq.Expressions;
using CsvHelper;
using CsvHelper.Configuration;

namespace GpuDigits.Model.Persistence;

/// <summary>
/// The column map every CSV file of the project uses (metrics.csv, the bench and evaluation CSVs): each column is named
/// once, with its property (for writing) and its constructor parameter (for reading records), at a fixed index.
/// CsvHelper 33's classic ClassMap API on purpose: no attribute conventions, and it survives trimming when the map is
/// registered as an instance.
/// </summary>
public abstract class CsvColumns<T> : ClassMap<T>
{
    protected void Column<TValue>(Expression<Func<T, TValue>> property, string parameter, string name, int index)
    {
        Map(property!).Name(name).Index(index);
        Parameter(parameter).Name(name).Index(index);
    }
}

/// <summary>Whole CSV files of one record type through a <see cref="CsvColumns{T}"/> map: one configuration, atomic writes.</summary>
public static class CsvTable
{
    /// <summary>Invariant culture, a header line, "\n" line ends.</summary>
    public static CsvConfiguration Configuration() => new(CultureInfo.InvariantCulture) { HasHeaderRecord = true, NewLine = "\n" };

    /// <summary>Replaces <paramref name="path"/> atomically with whatever <paramref name="write"/> writes.</summary>
    public static void Write(string path, Action<CsvWriter> write) =>
        GpuDigits.Data.AtomicFile.WriteText(path, writer =>
        {
            using var csv = new CsvWriter(writer, Configuration(), leaveOpen: true);
            write(csv);
            csv.Flush();
        });

    /// <summary>Replaces <paramref name="path"/> atomically with a header and <paramref name="rows"/>.</summary>
    public static void Write<T>(string path, CsvColumns<T> map, IEnumerable<T> rows) => Write(path, csv =>
    {
        csv.Context.RegisterClassMap(map);
        csv.WriteHeader<T>();
        csv.NextRecord();
        foreach (var row in rows)
        {
            csv.WriteRecord(row);
            csv.NextRecord();
        }
    });

    public static TResult Read<TResult>(string path, Func<CsvReader, TResult> read)
    {
        using var reader = new StreamReader(path);
        using var csv = new CsvReader(reader, Configuration());
        return read(csv);
    }

    /// <summary>Every record of <paramref name="path"/>, built through the map's constructor parameters.</summary>
    public static IReadOnlyList<T> Read<T>(string path, CsvColumns<T> map) => Read(path, csv =>
    {
        csv.Context.RegisterClassMap(map);
        return (IReadOnlyList<T>)csv.GetRecords<T>().ToList();
    });
}

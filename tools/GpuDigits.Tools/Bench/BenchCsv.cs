using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;

namespace GpuDigits.Tools.Bench;

/// <summary>
/// The column layout of the bench CSV:
/// category,op,shape,work,unit,repeats,calls_per_repeat,min_seconds,median_seconds,best_rate,median_rate,device,note.
/// Like metrics.csv, a ClassMap names every column once (CsvHelper 33, classic API, no attribute reflection).
/// </summary>
public sealed class BenchRecordMap : ClassMap<BenchRecord>
{
    public BenchRecordMap()
    {
        Column(r => r.Category, nameof(BenchRecord.Category), "category", 0);
        Column(r => r.Op, nameof(BenchRecord.Op), "op", 1);
        Column(r => r.Shape, nameof(BenchRecord.Shape), "shape", 2);
        Column(r => r.Work, nameof(BenchRecord.Work), "work", 3);
        Column(r => r.Unit, nameof(BenchRecord.Unit), "unit", 4);
        Column(r => r.Repeats, nameof(BenchRecord.Repeats), "repeats", 5);
        Column(r => r.CallsPerRepeat, nameof(BenchRecord.CallsPerRepeat), "calls_per_repeat", 6);
        Column(r => r.MinSeconds, nameof(BenchRecord.MinSeconds), "min_seconds", 7);
        Column(r => r.MedianSeconds, nameof(BenchRecord.MedianSeconds), "median_seconds", 8);
        Column(r => r.BestRate, nameof(BenchRecord.BestRate), "best_rate", 9);
        Column(r => r.MedianRate, nameof(BenchRecord.MedianRate), "median_rate", 10);
        Column(r => r.Device, nameof(BenchRecord.Device), "device", 11);
        Column(r => r.Note, nameof(BenchRecord.Note), "note", 12);
    }

    private void Column<T>(System.Linq.Expressions.Expression<Func<BenchRecord, T?>> property, string parameter, string name, int index)
    {
        Map(property).Name(name).Index(index);
        Parameter(parameter).Name(name).Index(index);
    }
}

/// <summary>Writes and reads bench CSV files.</summary>
public static class BenchCsv
{
    /// <summary>Writes <paramref name="records"/> (header first) to <paramref name="path"/>, replacing it.</summary>
    /// <summary>Writes the rows atomically (a full disk leaves the previous file, never a truncated one).</summary>
    public static void Write(string path, IEnumerable<BenchRecord> records) =>
        GpuDigits.Data.AtomicFile.WriteText(path, writer =>
        {
            using var csv = new CsvWriter(writer, Configuration(), leaveOpen: true);
            csv.Context.RegisterClassMap<BenchRecordMap>();
            csv.WriteHeader<BenchRecord>();
            csv.NextRecord();
            foreach (var r in records)
            {
                csv.WriteRecord(r);
                csv.NextRecord();
            }
        });

    public static IReadOnlyList<BenchRecord> Read(string path)
    {
        using var reader = new StreamReader(path);
        using var csv = new CsvReader(reader, Configuration());
        csv.Context.RegisterClassMap<BenchRecordMap>();
        return csv.GetRecords<BenchRecord>().ToList();
    }

    private static CsvConfiguration Configuration() => new(CultureInfo.InvariantCulture)
    {
        HasHeaderRecord = true,
        NewLine = "\n",
    };
}

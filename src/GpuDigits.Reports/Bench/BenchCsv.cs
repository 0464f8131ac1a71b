using GpuDigits.Files.Csv;
using GpuDigits.Model.Persistence;

namespace GpuDigits.Reports.Bench;

/// <summary>
/// The column layout of the bench CSV:
/// category,op,shape,work,unit,repeats,calls_per_repeat,min_seconds,median_seconds,best_rate,median_rate,device,note.
/// </summary>
public sealed class BenchRecordMap : CsvColumns<BenchRecord>
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
}

/// <summary>Writes and reads bench CSV files.</summary>
public static class BenchCsv
{
    /// <summary>Writes the rows atomically (a full disk leaves the previous file, never a truncated one).</summary>
    public static void Write(string path, IEnumerable<BenchRecord> records) => CsvTable.Write(path, new BenchRecordMap(), records);

    public static IReadOnlyList<BenchRecord> Read(string path) => CsvTable.Read(path, new BenchRecordMap());
}

using CsvHelper;
using GpuDigits.Files.Csv;
using GpuDigits.Model.Inference;
using GpuDigits.Model.Persistence;
using GpuDigits.Model.Training;
using GpuDigits.Reports.Bench;
using GpuDigits.Reports.Evaluation;
using NUnit.Framework;

namespace GpuDigits.Tests.Files;

/// <summary>
/// <see cref="CsvColumns{T}.WriteRow"/> writes through the getters instead of CsvHelper's compiled record writer; the
/// text has to be what CsvHelper's own <c>WriteRecord</c> writes, for every map and for values that need quoting,
/// escaping, the shortest round-trip form of a double, or are not finite.
/// </summary>
public class CsvColumnsTests
{
    private static string Written<T>(CsvColumns<T> map, IEnumerable<T> rows, bool byGetters) where T : class
    {
        using var text = new StringWriter { NewLine = "\n" };
        using (var csv = new CsvWriter(text, CsvTable.Configuration(), leaveOpen: true))
        {
            csv.Context.RegisterClassMap(map);
            csv.WriteHeader<T>();
            csv.NextRecord();
            foreach (var row in rows)
            {
                if (byGetters) map.WriteRow(csv, row);
                else csv.WriteRecord(row);
                csv.NextRecord();
            }
        }
        return text.ToString();
    }

    private static void AssertSameText<T>(CsvColumns<T> map, T[] rows) where T : class
    {
        string mine = Written(map, rows, byGetters: true), helpers = Written(map, rows, byGetters: false);
        Assert.That(mine, Is.EqualTo(helpers));
        using var back = new CsvReader(new StringReader(mine), CsvTable.Configuration());
        int records = 0;
        while (back.Read()) records++;
        Assert.That(records, Is.EqualTo(rows.Length + 1)); // the header, then one record per row
    }

    [Test]
    public void MetricsRowsAreWhatCsvHelpersRecordWriterWrites() => AssertSameText(new EpochMetricsMap(),
    [
        new EpochMetrics(1, 0.1 + 0.2, 1.0 / 3, double.NaN, 0.9716, 5e-324, double.PositiveInfinity, 1e21, "cpu"),
        new EpochMetrics(-7, -0.0, double.Epsilon, double.MaxValue, 1, double.NegativeInfinity, 0.30000000000000004, 48000, "opencl:0, \"pocl\""),
    ]);

    [Test]
    public void BenchRowsAreWhatCsvHelpersRecordWriterWrites() => AssertSameText(new BenchRecordMap(),
    [
        new BenchRecord("gemm", "gemm NN", "m128 n128 k784", 25690112, "FLOP", 10, 1, 1.2465e-4, 1.267e-4, 2.061e11, 2.028e11, "cpu", "forward layer 1, bias + relu"),
        new BenchRecord("epoch", "epoch sgd", "60000 images\nbatch 128", 60000, "images", 3, 1, 0.2202, 0.2202, 272458.1, 272458.1, "", "line one\r\nsays \"two\""),
    ]);

    [Test]
    public void EvaluationRowsAreWhatCsvHelpersRecordWriterWrites()
    {
        AssertSameText(new ClassMetricsMap(),
        [
            new ClassMetrics(0, "T-shirt/top", 1000, 998, 871, 0.8727454909819639, 0.871, 0.8718718718718719),
            new ClassMetrics(9, " leading space,comma", 0, 0, 0, double.NaN, double.NaN, double.NaN),
        ]);
        AssertSameText(new EvaluationSummaryMap(), [new EvaluationSummary("runs/a b/model.gdm", "cpu", 10000, 0.0678, 0.9814)]);
    }
}

using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;
using GpuDigits.Model.Training;

namespace GpuDigits.Tools.Metrics;

/// <summary>
/// The column layout of metrics.csv:
/// epoch,train_loss,train_accuracy,test_loss,test_accuracy,learning_rate,epoch_seconds,samples_per_second,device.
/// CsvHelper 33 (classic API) is used on purpose: a ClassMap names the columns explicitly, without reflection over
/// attribute conventions, so the file format is stated in one place and survives trimming of the published app.
/// </summary>
public sealed class EpochMetricsMap : ClassMap<EpochMetrics>
{
    public EpochMetricsMap()
    {
        Map(m => m.Epoch).Name("epoch").Index(0);
        Map(m => m.TrainLoss).Name("train_loss").Index(1);
        Map(m => m.TrainAccuracy).Name("train_accuracy").Index(2);
        Map(m => m.TestLoss).Name("test_loss").Index(3);
        Map(m => m.TestAccuracy).Name("test_accuracy").Index(4);
        Map(m => m.LearningRate).Name("learning_rate").Index(5);
        Map(m => m.EpochSeconds).Name("epoch_seconds").Index(6);
        Map(m => m.SamplesPerSecond).Name("samples_per_second").Index(7);
        Map(m => m.Device).Name("device").Index(8);
    }
}

/// <summary>Appends one row per epoch to metrics.csv and flushes it, so the file can be read while training runs.</summary>
public sealed class MetricsCsvWriter : IDisposable
{
    private readonly StreamWriter _stream;
    private readonly CsvWriter _csv;

    private MetricsCsvWriter(StreamWriter stream)
    {
        _stream = stream;
        _csv = new CsvWriter(stream, Configuration());
        _csv.Context.RegisterClassMap<EpochMetricsMap>();
    }

    /// <summary>Creates (or truncates) <paramref name="path"/> and writes the header line.</summary>
    public static MetricsCsvWriter Create(string path)
    {
        var stream = new StreamWriter(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read));
        var writer = new MetricsCsvWriter(stream);
        writer._csv.WriteHeader<EpochMetrics>();
        writer._csv.NextRecord();
        writer.Flush();
        return writer;
    }

    public void Append(EpochMetrics metrics)
    {
        _csv.WriteRecord(metrics);
        _csv.NextRecord();
        Flush();
    }

    private void Flush()
    {
        _csv.Flush();
        _stream.Flush();
        ((FileStream)_stream.BaseStream).Flush(flushToDisk: true);
    }

    public void Dispose()
    {
        _csv.Dispose();
        _stream.Dispose();
    }

    internal static CsvConfiguration Configuration() => new(CultureInfo.InvariantCulture)
    {
        HasHeaderRecord = true,
        NewLine = "\n",
    };
}

/// <summary>Reads a metrics.csv back (for plots, comparisons and tests).</summary>
public static class MetricsCsvReader
{
    public static IReadOnlyList<EpochMetrics> Read(string path)
    {
        using var reader = new StreamReader(path);
        using var csv = new CsvReader(reader, MetricsCsvWriter.Configuration());
        csv.Context.RegisterClassMap<EpochMetricsMap>();
        return csv.GetRecords<EpochMetrics>().ToList();
    }
}

using System.Diagnostics.CodeAnalysis;
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
        // Writing reads the properties; reading builds the record through its constructor parameters.
        Column(m => m.Epoch, nameof(EpochMetrics.Epoch), "epoch", 0);
        Column(m => m.TrainLoss, nameof(EpochMetrics.TrainLoss), "train_loss", 1);
        Column(m => m.TrainAccuracy, nameof(EpochMetrics.TrainAccuracy), "train_accuracy", 2);
        Column(m => m.TestLoss, nameof(EpochMetrics.TestLoss), "test_loss", 3);
        Column(m => m.TestAccuracy, nameof(EpochMetrics.TestAccuracy), "test_accuracy", 4);
        Column(m => m.LearningRate, nameof(EpochMetrics.LearningRate), "learning_rate", 5);
        Column(m => m.EpochSeconds, nameof(EpochMetrics.EpochSeconds), "epoch_seconds", 6);
        Column(m => m.SamplesPerSecond, nameof(EpochMetrics.SamplesPerSecond), "samples_per_second", 7);
        Column(m => m.Device, nameof(EpochMetrics.Device), "device", 8);
    }

    private void Column<T>(System.Linq.Expressions.Expression<Func<EpochMetrics, T?>> property, string parameter, string name, int index)
    {
        Map(property).Name(name).Index(index);
        Parameter(parameter).Name(name).Index(index);
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
        _csv.Context.RegisterClassMap(new EpochMetricsMap());
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

    /// <summary>
    /// The CSV settings of metrics.csv. The map is registered as an instance (CsvHelper would otherwise construct it by
    /// reflection, which trimming breaks), and CsvHelper reaches EpochMetrics' constructor (reading) and properties
    /// (writing) through reflection, so they are kept for the trimmed single-file build.
    /// </summary>
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicConstructors | DynamicallyAccessedMemberTypes.PublicProperties, typeof(EpochMetrics))]
    internal static CsvConfiguration Configuration() => new(CultureInfo.InvariantCulture)
    {
        HasHeaderRecord = true,
        NewLine = "\n",
    };
}

/// <summary>Writes a whole metrics.csv at once.</summary>
public static class MetricsCsv
{
    /// <summary>
    /// Replaces <paramref name="path"/> with the header and exactly <paramref name="rows"/>, atomically (temporary
    /// file, flush to disk, rename): a reader, a crash or a full disk sees the old file or the new one, never a mix.
    /// </summary>
    public static void Write(string path, IEnumerable<EpochMetrics> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        Data.AtomicFile.WriteText(path, writer =>
        {
            using var csv = new CsvWriter(writer, MetricsCsvWriter.Configuration(), leaveOpen: true);
            csv.Context.RegisterClassMap<EpochMetricsMap>();
            csv.WriteHeader<EpochMetrics>();
            csv.NextRecord();
            foreach (var row in rows)
            {
                csv.WriteRecord(row);
                csv.NextRecord();
            }
        });
    }
}

/// <summary>Reads a metrics.csv back (for plots, comparisons and tests).</summary>
public static class MetricsCsvReader
{
    public static IReadOnlyList<EpochMetrics> Read(string path)
    {
        using var reader = new StreamReader(path);
        using var csv = new CsvReader(reader, MetricsCsvWriter.Configuration());
        csv.Context.RegisterClassMap(new EpochMetricsMap());
        return csv.GetRecords<EpochMetrics>().ToList();
    }
}

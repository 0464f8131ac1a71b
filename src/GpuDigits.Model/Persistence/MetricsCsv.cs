using System.Diagnostics.CodeAnalysis;
using CsvHelper;
using CsvHelper.Configuration;
using GpuDigits.Files.Csv;
using GpuDigits.Files;
using GpuDigits.Model.Training;

namespace GpuDigits.Model.Persistence;

/// <summary>
/// The column layout of metrics.csv:
/// epoch,train_loss,train_accuracy,test_loss,test_accuracy,learning_rate,epoch_seconds,samples_per_second,device.
/// </summary>
public sealed class EpochMetricsMap : CsvColumns<EpochMetrics>
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
}

/// <summary>
/// A metrics.csv kept as text for the length of a run: one CsvWriter serves every epoch, each epoch adds its row to the
/// text, and <see cref="Save"/> replaces the file with the whole text atomically (temporary file, flush to disk,
/// rename), so a reader, a crash or a full disk sees the old file or the new one, never a mix. Rows are written
/// through the map's getters (<see cref="CsvColumns{T}.WriteRow"/>), so no epoch compiles a record writer.
/// </summary>
public sealed class MetricsCsvFile : IDisposable
{
    private readonly StringWriter _text = new() { NewLine = "\n" };
    private readonly CsvWriter _csv;
    private readonly EpochMetricsMap _map = new();
    private readonly List<EpochMetrics> _rows = [];
    private int _headerLength;

    public MetricsCsvFile(string path)
    {
        Path = path;
        _csv = new CsvWriter(_text, Configuration(), leaveOpen: true);
        _csv.Context.RegisterClassMap(_map);
        _csv.WriteHeader<EpochMetrics>();
        _csv.NextRecord();
        _csv.Flush();
        _headerLength = _text.GetStringBuilder().Length;
    }

    public string Path { get; }

    /// <summary>The rows the text holds.</summary>
    public IReadOnlyList<EpochMetrics> Rows => _rows;

    /// <summary>
    /// Makes the text hold exactly <paramref name="history"/> (adding only the new rows when the text holds a prefix
    /// of it), then replaces the file with it.
    /// </summary>
    public void Save(IReadOnlyList<EpochMetrics> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        bool prefix = _rows.Count <= history.Count;
        for (int i = 0; prefix && i < _rows.Count; i++) prefix = _rows[i] == history[i];
        if (!prefix)
        {
            _text.GetStringBuilder().Length = _headerLength;
            _rows.Clear();
        }
        for (int i = _rows.Count; i < history.Count; i++)
        {
            _map.WriteRow(_csv, history[i]);
            _csv.NextRecord();
            _rows.Add(history[i]);
        }
        _csv.Flush();
        string text = _text.ToString();
        GpuDigits.Files.AtomicFile.WriteText(Path, writer => writer.Write(text));
    }

    public void Dispose()
    {
        _csv.Dispose();
        _text.Dispose();
    }

    /// <summary>
    /// The CSV settings of metrics.csv. The map is registered as an instance (CsvHelper would otherwise construct it by
    /// reflection, which trimming breaks), and CsvHelper reaches EpochMetrics' constructor (reading) and properties
    /// (writing) through reflection, so they are kept for the trimmed single-file build.
    /// </summary>
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicConstructors | DynamicallyAccessedMemberTypes.PublicProperties, typeof(EpochMetrics))]
    internal static CsvConfiguration Configuration() => CsvTable.Configuration();
}

/// <summary>Writes a whole metrics.csv at once.</summary>
public static class MetricsCsv
{
    /// <summary>Replaces <paramref name="path"/> with the header and exactly <paramref name="rows"/>, atomically.</summary>
    public static void Write(string path, IEnumerable<EpochMetrics> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        using var file = new MetricsCsvFile(path);
        file.Save([.. rows]);
    }
}

/// <summary>Reads a metrics.csv back (for plots, comparisons and tests).</summary>
public static class MetricsCsvReader
{
    public static IReadOnlyList<EpochMetrics> Read(string path) => CsvTable.Read(path, new EpochMetricsMap());
}

using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;
using GpuDigits.Data;
using GpuDigits.Files.Csv;
using GpuDigits.Model.Inference;
using GpuDigits.Model.Persistence;

namespace GpuDigits.Reports.Evaluation;

/// <summary>One line of the evaluation summary CSV.</summary>
public sealed record EvaluationSummary(string Model, string Device, int Images, double Loss, double Accuracy);

/// <summary>Columns of the per-class CSV: class,name,count,predicted,correct,precision,recall,f1.</summary>
public sealed class ClassMetricsMap : CsvColumns<ClassMetrics>
{
    public ClassMetricsMap()
    {
        Column(m => m.Class, nameof(ClassMetrics.Class), "class", 0);
        Column(m => m.Name, nameof(ClassMetrics.Name), "name", 1);
        Column(m => m.Count, nameof(ClassMetrics.Count), "count", 2);
        Column(m => m.Predicted, nameof(ClassMetrics.Predicted), "predicted", 3);
        Column(m => m.Correct, nameof(ClassMetrics.Correct), "correct", 4);
        Column(m => m.Precision, nameof(ClassMetrics.Precision), "precision", 5);
        Column(m => m.Recall, nameof(ClassMetrics.Recall), "recall", 6);
        Column(m => m.F1, nameof(ClassMetrics.F1), "f1", 7);
    }
}

/// <summary>Columns of the summary CSV: model,device,images,loss,accuracy.</summary>
public sealed class EvaluationSummaryMap : CsvColumns<EvaluationSummary>
{
    public EvaluationSummaryMap()
    {
        Column(m => m.Model, nameof(EvaluationSummary.Model), "model", 0);
        Column(m => m.Device, nameof(EvaluationSummary.Device), "device", 1);
        Column(m => m.Images, nameof(EvaluationSummary.Images), "images", 2);
        Column(m => m.Loss, nameof(EvaluationSummary.Loss), "loss", 3);
        Column(m => m.Accuracy, nameof(EvaluationSummary.Accuracy), "accuracy", 4);
    }
}

/// <summary>
/// The CSV files of <c>gpudigits evaluate</c>, written atomically (temporary file, flush, rename):
/// <list type="bullet">
/// <item>summary: <c>model,device,images,loss,accuracy</c>, one row;</item>
/// <item>per class: <c>class,name,count,predicted,correct,precision,recall,f1</c>, one row per class;</item>
/// <item>confusion matrix: <c>actual,0,1,...,9</c>, one row per actual class, a column per predicted class; when the
/// classes have names, <c>actual,name,0,1,...</c> with each row's class name second.</item>
/// </list>
/// Fractions are in [0, 1].
/// </summary>
public static class EvaluationCsv
{
    public const string ActualColumn = "actual";

    public static void WriteSummary(string path, EvaluationSummary summary) => CsvTable.Write(path, new EvaluationSummaryMap(), [summary]);

    public static void WritePerClass(string path, IEnumerable<ClassMetrics> rows) => CsvTable.Write(path, new ClassMetricsMap(), rows);

    public const string NameColumn = "name";

    /// <summary>Writes the matrix; with <paramref name="names"/> (one per class), a name column after the actual class.</summary>
    public static void WriteConfusion(string path, ConfusionMatrix matrix, IReadOnlyList<string>? names = null) => CsvTable.Write(path, csv =>
    {
        if (names is not null && names.Count != matrix.Classes)
            throw new ArgumentException($"{names.Count} names for {matrix.Classes} classes.", nameof(names));
        csv.WriteField(ActualColumn);
        if (names is not null) csv.WriteField(NameColumn);
        for (int p = 0; p < matrix.Classes; p++) csv.WriteField(p);
        csv.NextRecord();
        for (int a = 0; a < matrix.Classes; a++)
        {
            csv.WriteField(a);
            if (names is not null) csv.WriteField(names[a]);
            for (int p = 0; p < matrix.Classes; p++) csv.WriteField(matrix[a, p]);
            csv.NextRecord();
        }
    });

    public static EvaluationSummary ReadSummary(string path) => CsvTable.Read(path, new EvaluationSummaryMap()).Single();

    public static IReadOnlyList<ClassMetrics> ReadPerClass(string path) => CsvTable.Read(path, new ClassMetricsMap());

    /// <summary>
    /// Reads a confusion-matrix CSV (with or without the name column); a square matrix with rows and columns 0..n-1 in
    /// order, else a <see cref="DataFormatException"/>.
    /// </summary>
    public static ConfusionMatrix ReadConfusion(string path) => CsvTable.Read(path, csv =>
    {
        if (!csv.Read() || !csv.ReadHeader()) throw new DataFormatException(path, "is empty");
        var header = csv.HeaderRecord!;
        int first = header.Length > 1 && header[1] == NameColumn ? 2 : 1; // the first count column
        int classes = header.Length - first;
        if (classes < 1 || header[0] != ActualColumn || header.Skip(first).Select((h, i) => h == i.ToString(CultureInfo.InvariantCulture)).Any(ok => !ok))
            throw new DataFormatException(path, $"does not have the header {ActualColumn},0,1,... (or {ActualColumn},{NameColumn},0,1,...): '{string.Join(",", header)}'");
        var matrix = new ConfusionMatrix(classes);
        int row = 0;
        while (csv.Read())
        {
            if (row >= classes || csv.GetField<int>(0) != row)
                throw new DataFormatException(path, $"row {row + 1} is not actual class {row} of {classes}");
            for (int p = 0; p < classes; p++)
            {
                int count = csv.GetField<int>(p + first);
                if (count < 0) throw new DataFormatException(path, $"has a negative count at actual {row}, predicted {p}");
                matrix.Add(row, p, count);
            }
            row++;
        }
        if (row != classes) throw new DataFormatException(path, $"has {row} rows for {classes} classes");
        return matrix;
    });
}

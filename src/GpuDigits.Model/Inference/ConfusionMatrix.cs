namespace GpuDigits.Model.Inference;

/// <summary>Precision and recall of one class (0 where nothing was predicted as, or labeled as, that class).</summary>
/// <param name="Name">The class's name: <c>7</c> for a digit, <c>Sneaker</c> in Fashion-MNIST.</param>
public sealed record ClassMetrics(int Class, string Name, int Count, int Predicted, int Correct, double Precision, double Recall, double F1);

/// <summary>Counts of (actual class, predicted class) pairs: rows are the labels, columns the predictions.</summary>
public sealed class ConfusionMatrix
{
    private readonly int[] _counts;

    public ConfusionMatrix(int classes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        Classes = classes;
        _counts = new int[classes * classes];
    }

    public static ConfusionMatrix From(IReadOnlyList<byte> labels, IReadOnlyList<int> predicted, int classes)
    {
        if (labels.Count != predicted.Count) throw new ArgumentException("One prediction per label is needed.");
        var m = new ConfusionMatrix(classes);
        for (int i = 0; i < labels.Count; i++) m.Add(labels[i], predicted[i]);
        return m;
    }

    public int Classes { get; }

    public int this[int actual, int predicted] => _counts[actual * Classes + predicted];

    /// <summary>Counts <paramref name="count"/> more images labeled <paramref name="actual"/> and predicted as <paramref name="predicted"/>.</summary>
    public void Add(int actual, int predicted, int count = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(actual);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(actual, Classes);
        ArgumentOutOfRangeException.ThrowIfNegative(predicted);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(predicted, Classes);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        checked { _counts[actual * Classes + predicted] += count; }
    }

    public int Total => checked(_counts.Sum());

    /// <summary>The diagonal: images predicted as their own label.</summary>
    public int Correct => Enumerable.Range(0, Classes).Sum(c => this[c, c]);

    public double Accuracy => Total == 0 ? 0 : (double)Correct / Total;

    /// <summary>Images labeled <paramref name="actual"/>.</summary>
    public int RowTotal(int actual) => Enumerable.Range(0, Classes).Sum(p => this[actual, p]);

    /// <summary>Images predicted as <paramref name="predicted"/>.</summary>
    public int ColumnTotal(int predicted) => Enumerable.Range(0, Classes).Sum(a => this[a, predicted]);

    /// <summary>Precision (correct / predicted), recall (correct / labeled) and F1 per class, named by <paramref name="names"/> (default: the class numbers).</summary>
    public IReadOnlyList<ClassMetrics> PerClass(IReadOnlyList<string>? names = null) => Enumerable.Range(0, Classes).Select(c =>
    {
        int correct = this[c, c], count = RowTotal(c), predicted = ColumnTotal(c);
        double precision = predicted == 0 ? 0 : (double)correct / predicted;
        double recall = count == 0 ? 0 : (double)correct / count;
        double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
        string name = names is not null && c < names.Count ? names[c] : c.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new ClassMetrics(c, name, count, predicted, correct, precision, recall, f1);
    }).ToArray();
}

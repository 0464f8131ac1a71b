namespace GpuDigits.Model.Inference;

/// <summary>
/// What a <see cref="Classifier"/> made of a labeled set: for every image its label, the predicted class and the
/// class probabilities; the mean loss and the accuracy as accumulated on the device.
/// </summary>
public sealed class Classification
{
    private readonly float[] _probabilities;

    public Classification(int classes, byte[] labels, int[] predicted, float[] probabilities, double loss, double accuracy)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        if (predicted.Length != labels.Length || probabilities.Length != (long)labels.Length * classes)
            throw new ArgumentException("Labels, predictions and probabilities must describe the same images.");
        Classes = classes;
        Labels = labels;
        Predicted = predicted;
        _probabilities = probabilities;
        Loss = loss;
        Accuracy = accuracy;
    }

    public int Classes { get; }
    public int Count => Labels.Count;
    public IReadOnlyList<byte> Labels { get; }
    public IReadOnlyList<int> Predicted { get; }

    /// <summary>Mean cross-entropy over the set (from the device's loss sum).</summary>
    public double Loss { get; }

    /// <summary>Fraction classified correctly (from the device's correct count).</summary>
    public double Accuracy { get; }

    public bool IsCorrect(int index) => Predicted[index] == Labels[index];

    public ReadOnlySpan<float> ProbabilitiesOf(int index) => _probabilities.AsSpan(index * Classes, Classes);

    /// <summary>The <paramref name="k"/> most probable classes of image <paramref name="index"/>, most probable first.</summary>
    public IReadOnlyList<(int Class, float Probability)> Top(int index, int k) => TopOf(ProbabilitiesOf(index), k);

    /// <summary>The <paramref name="k"/> largest entries of <paramref name="probabilities"/>; ties keep the lower class first.</summary>
    public static IReadOnlyList<(int Class, float Probability)> TopOf(ReadOnlySpan<float> probabilities, int k)
    {
        var all = new (int Class, float Probability)[probabilities.Length];
        for (int c = 0; c < all.Length; c++) all[c] = (c, probabilities[c]);
        return all.OrderByDescending(p => p.Probability).ThenBy(p => p.Class).Take(k).ToArray();
    }

    public ConfusionMatrix Confusion() => ConfusionMatrix.From(Labels, Predicted, Classes);
}

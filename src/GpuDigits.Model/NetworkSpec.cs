using GpuDigits.Engine;

namespace GpuDigits.Model;

/// <summary>The shape of a fully connected classifier: input -> hidden layers (activation) -> classes (softmax).</summary>
public sealed record NetworkSpec(int Inputs, IReadOnlyList<int> Hidden, int Classes, Activation Activation)
{
    /// <summary>The tutorial's network: 784 -> 128 -> 128 -> 10 with ReLU.</summary>
    public static NetworkSpec Default { get; } = new(784, [128, 128], 10, Activation.Relu);

    /// <summary>Layer widths including input and output, e.g. [784, 128, 128, 10].</summary>
    public IReadOnlyList<int> Widths => [Inputs, .. Hidden, Classes];

    public long ParameterCount
    {
        get
        {
            var w = Widths;
            long total = 0;
            for (int i = 0; i + 1 < w.Count; i++) total += (long)w[i] * w[i + 1] + w[i + 1];
            return total;
        }
    }

    /// <summary>
    /// Throws <see cref="ArgumentException"/> if a weight matrix or an activation buffer for batches of
    /// <paramref name="maxRows"/> rows would hold more values than one device buffer can (int.MaxValue).
    /// </summary>
    public void CheckBufferSizes(int maxRows)
    {
        var w = Widths;
        for (int i = 0; i + 1 < w.Count; i++)
        {
            long weights = (long)w[i] * w[i + 1];
            if (weights > int.MaxValue)
                throw new ArgumentException($"A {w[i]:N0} x {w[i + 1]:N0} layer needs {weights:N0} weights; one device buffer holds at most {int.MaxValue:N0} values. Use narrower --hidden layers.");
        }
        foreach (int width in w)
        {
            long values = (long)maxRows * width;
            if (values > int.MaxValue)
                throw new ArgumentException($"A batch of {maxRows:N0} rows of a {width:N0}-wide layer needs {values:N0} values; one device buffer holds at most {int.MaxValue:N0}. Use a smaller --batch or narrower --hidden layers.");
        }
    }

    /// <summary>Same widths and activation (record equality would compare the <see cref="Hidden"/> list by reference).</summary>
    public bool SameShape(NetworkSpec other) =>
        other is not null && other.Inputs == Inputs && other.Classes == Classes && other.Activation == Activation &&
        other.Hidden.SequenceEqual(Hidden);

    public override string ToString() => $"{string.Join("-", Widths)} {Activation.ToName()}";

    /// <summary>Parses "128,128" into hidden widths; throws <see cref="ArgumentException"/> with a clear message.</summary>
    public static int[] ParseHidden(string text)
    {
        if (string.IsNullOrWhiteSpace(text)) return [];
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var widths = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], out widths[i]) || widths[i] < 1 || widths[i] > 65536)
                throw new ArgumentException($"--hidden expects comma-separated layer widths between 1 and 65536, got '{text}'.");
        }
        return widths;
    }
}

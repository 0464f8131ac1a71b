using GpuDigits.Engine;

namespace GpuDigits.Model;

/// <summary>The shape of a fully connected classifier: input -> hidden layers (activation) -> classes (softmax).</summary>
public sealed record NetworkSpec(int Inputs, IReadOnlyList<int> Hidden, int Classes, Activation Activation)
{
    /// <summary>The tutorial's network: 784 -> 128 -> 128 -> 10 with ReLU.</summary>
    public static NetworkSpec Default { get; } = new(784, [128, 128], 10, Activation.Relu);

    /// <summary>Layer widths including input and output, e.g. [784, 128, 128, 10].</summary>
    public IReadOnlyList<int> Widths => [Inputs, .. Hidden, Classes];

    public int ParameterCount
    {
        get
        {
            var w = Widths;
            long total = 0;
            for (int i = 0; i + 1 < w.Count; i++) total += (long)w[i] * w[i + 1] + w[i + 1];
            return checked((int)total);
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

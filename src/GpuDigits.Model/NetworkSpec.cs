using GpuDigits.Engine;

namespace GpuDigits.Model;

/// <summary>
/// The shape of a classifier of square grayscale images (<see cref="Inputs"/> pixels): optional convolution stages
/// (<see cref="ConvFilters"/>: each a 3 x 3 valid convolution with that many filters, the hidden activation, and 2 x 2
/// max pooling), then fully connected hidden layers (activation) and the classes (softmax). Without convolutions it
/// is the multilayer perceptron of the first tutorial; with [32, 64] and one hidden layer of 128 the CNN of the second.
/// </summary>
public sealed record NetworkSpec(int Inputs, IReadOnlyList<int> Hidden, int Classes, Activation Activation)
{
    /// <summary>Side of every convolution filter.</summary>
    public const int ConvKernel = 3;

    /// <summary>The tutorial's network: 784 -> 128 -> 128 -> 10 with ReLU.</summary>
    public static NetworkSpec Default { get; } = new(784, [128, 128], 10, Activation.Relu);

    /// <summary>The second tutorial's CNN: conv 3x3 32, pool, conv 3x3 64, pool, dense 128, dense 10 (ReLU).</summary>
    public static NetworkSpec Cnn { get; } = new(784, [128], 10, Activation.Relu) { ConvFilters = [32, 64] };

    /// <summary>Filters of each convolution stage, in order (empty: a multilayer perceptron).</summary>
    public IReadOnlyList<int> ConvFilters { get; init; } = [];

    public bool IsConvolutional => ConvFilters.Count > 0;

    /// <summary>"cnn" or "mlp", as <c>--arch</c> names them.</summary>
    public string ArchitectureName => IsConvolutional ? "cnn" : "mlp";

    /// <summary>Side of the square input image (28 for MNIST).</summary>
    public int ImageSide => (int)Math.Round(Math.Sqrt(Inputs));

    /// <summary>Each convolution stage: its input side and channels, and its filters (its output is pooled).</summary>
    public IReadOnlyList<(int Side, int Channels, int Filters)> ConvStages
    {
        get
        {
            var stages = new List<(int, int, int)>();
            int side = ImageSide, channels = 1;
            foreach (int f in ConvFilters)
            {
                stages.Add((side, channels, f));
                side = (side - ConvKernel + 1) / 2;
                channels = f;
            }
            return stages;
        }
    }

    /// <summary>Values per image entering the dense layers: the pixels, or the last pooled feature map flattened (NHWC).</summary>
    public int FlatInputs
    {
        get
        {
            if (!IsConvolutional) return Inputs;
            var last = ConvStages[^1];
            int side = (last.Side - ConvKernel + 1) / 2;
            return side * side * last.Filters;
        }
    }

    /// <summary>Widths of the dense part including its input and output, e.g. [784, 128, 128, 10] (a CNN: [1600, 128, 10]).</summary>
    public IReadOnlyList<int> Widths => [FlatInputs, .. Hidden, Classes];

    /// <summary>
    /// The shapes of training this network at <paramref name="batch"/> over <paramref name="images"/> training images,
    /// for the kernel verifier: each convolution's im2col, its GEMMs (forward with bias and activation, weight gradient,
    /// and from the second stage on the input gradient) and its pooling; each dense layer's forward, weight gradient
    /// and (from the second layer on) input gradient; and the first layer's forward at the last, ragged batch.
    /// </summary>
    public Engine.Verification.TrainingShapes TrainingShapes(int batch, int images)
    {
        int ragged = images % batch == 0 ? batch : images % batch;
        var gemms = new List<Engine.Verification.GemmShape>();
        var convolutions = new List<Engine.Verification.ImageShape>();
        var pools = new List<Engine.Verification.ImageShape>();
        var stages = ConvStages;
        for (int i = 0; i < stages.Count; i++)
        {
            var (side, channels, filters) = stages[i];
            int output = side - ConvKernel + 1, depth = ConvKernel * ConvKernel * channels, pixels = batch * output * output;
            convolutions.Add(new(batch, side, side, channels, ConvKernel));
            gemms.Add(new(false, false, pixels, filters, depth, true, Activation));
            if (i == 0) gemms.Add(new(false, false, ragged * output * output, filters, depth, true, Activation));
            gemms.Add(new(true, false, depth, filters, pixels, false, Activation.None));
            if (i > 0) gemms.Add(new(false, true, pixels, depth, filters, false, Activation.None));
            pools.Add(new(batch, output, output, filters));
        }
        var w = Widths;
        for (int l = 0; l + 1 < w.Count; l++)
        {
            var act = l + 2 < w.Count ? Activation : Activation.None;
            gemms.Add(new(false, false, batch, w[l + 1], w[l], true, act));
            if (l == 0 && stages.Count == 0) gemms.Add(new(false, false, ragged, w[1], w[0], true, act));
            gemms.Add(new(true, false, w[l], w[l + 1], batch, false, Activation.None));
            if (l > 0 || stages.Count > 0) gemms.Add(new(false, true, batch, w[l], w[l + 1], false, Activation.None));
        }
        return new($"{this} at batch {batch}", gemms, convolutions, pools);
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless the convolution stages fit the image.</summary>
    public void CheckConvolutions()
    {
        if (!IsConvolutional) return;
        if (ImageSide * ImageSide != Inputs)
            throw new ArgumentException($"A convolutional network needs a square image; {Inputs} inputs is not one.");
        foreach (var (side, _, filters) in ConvStages)
        {
            if (filters < 1 || filters > 4096) throw new ArgumentException($"A convolution has 1 to 4096 filters, got {filters}.");
            if (side < ConvKernel + 1)
                throw new ArgumentException($"A {side} x {side} feature map is too small for a {ConvKernel} x {ConvKernel} convolution and 2 x 2 pooling.");
        }
    }

    public long ParameterCount
    {
        get
        {
            var w = Widths;
            long total = ConvStages.Sum(s => (long)ConvKernel * ConvKernel * s.Channels * s.Filters + s.Filters);
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
        CheckConvolutions();
        foreach (var (side, channels, filters) in ConvStages)
        {
            long pixels = (long)maxRows * (side - ConvKernel + 1) * (side - ConvKernel + 1);
            long values = pixels * Math.Max(filters, ConvKernel * ConvKernel * channels);
            if (values > int.MaxValue)
                throw SettingException.Exceeds($"A batch of {maxRows:N0} images needs {values:N0} values for a convolution; one device buffer holds at most {int.MaxValue:N0}", TrainingSetting.BatchSize);
        }
        var w = Widths;
        for (int i = 0; i + 1 < w.Count; i++)
        {
            long weights = (long)w[i] * w[i + 1];
            if (weights > int.MaxValue)
                throw SettingException.Exceeds($"A {w[i]:N0} x {w[i + 1]:N0} layer needs {weights:N0} weights; one device buffer holds at most {int.MaxValue:N0} values", TrainingSetting.HiddenWidths);
        }
        foreach (int width in w)
        {
            long values = (long)maxRows * width;
            if (values > int.MaxValue)
                throw SettingException.Exceeds($"A batch of {maxRows:N0} rows of a {width:N0}-wide layer needs {values:N0} values; one device buffer holds at most {int.MaxValue:N0}", TrainingSetting.BatchSize, TrainingSetting.HiddenWidths);
        }
    }

    /// <summary>Same widths and activation (record equality would compare the <see cref="Hidden"/> list by reference).</summary>
    public bool SameShape(NetworkSpec other) =>
        other is not null && other.Inputs == Inputs && other.Classes == Classes && other.Activation == Activation &&
        other.Hidden.SequenceEqual(Hidden) && other.ConvFilters.SequenceEqual(ConvFilters);

    public override string ToString() => IsConvolutional
        ? $"cnn {string.Join("-", ConvFilters.Select(f => $"conv{f}"))}-{string.Join("-", Widths)} {Activation.ToName()}"
        : $"{string.Join("-", Widths)} {Activation.ToName()}";

    /// <summary>Parses "128,128" into hidden widths; throws <see cref="ArgumentException"/> with a clear message.</summary>
    public static int[] ParseHidden(string text)
    {
        if (string.IsNullOrWhiteSpace(text)) return [];
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var widths = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], out widths[i]) || widths[i] < 1 || widths[i] > 65536)
                throw SettingException.OutOfRange(TrainingSetting.HiddenWidths, "must be comma-separated layer widths between 1 and 65536", $"'{text}'");
        }
        return widths;
    }
}

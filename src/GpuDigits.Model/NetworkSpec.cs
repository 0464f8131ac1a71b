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

    /// <summary>The layers, their shapes and parameters, derived from this description (see <see cref="NetworkPlan"/>).</summary>
    public NetworkPlan Plan => NetworkPlan.Of(this);

    /// <summary>Widths of the dense part including its input and output, e.g. [784, 128, 128, 10] (a CNN: [1600, 128, 10]).</summary>
    public IReadOnlyList<int> Widths => Plan.DenseWidths;

    public long ParameterCount => Plan.ParameterCount;

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
        bool first = true; // the first layer with weights: its forward also runs at the ragged batch; it has no input gradient
        foreach (var l in Plan.Layers)
        {
            switch (l.Kind)
            {
                case LayerKind.Convolution:
                    int pixels = batch * l.OutputSide * l.OutputSide;
                    convolutions.Add(new(batch, l.InputSide, l.InputSide, l.InputChannels, NetworkPlan.ConvKernel));
                    gemms.Add(new(false, false, pixels, l.OutputChannels, l.Depth, true, l.Activation));
                    if (first) gemms.Add(new(false, false, ragged * l.OutputSide * l.OutputSide, l.OutputChannels, l.Depth, true, l.Activation));
                    gemms.Add(new(true, false, l.Depth, l.OutputChannels, pixels, false, Activation.None));
                    if (!first) gemms.Add(new(false, true, pixels, l.Depth, l.OutputChannels, false, Activation.None));
                    break;
                case LayerKind.Pool:
                    pools.Add(new(batch, l.InputSide, l.InputSide, l.InputChannels));
                    break;
                case LayerKind.Dense:
                    gemms.Add(new(false, false, batch, l.OutputChannels, l.InputChannels, true, l.Activation));
                    if (first) gemms.Add(new(false, false, ragged, l.OutputChannels, l.InputChannels, true, l.Activation));
                    gemms.Add(new(true, false, l.InputChannels, l.OutputChannels, batch, false, Activation.None));
                    if (!first) gemms.Add(new(false, true, batch, l.InputChannels, l.OutputChannels, false, Activation.None));
                    break;
            }
            first &= l.Kind == LayerKind.Pool;
        }
        return new($"{this} at batch {batch}", gemms, convolutions, pools);
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless the convolution stages fit the image.</summary>
    public void CheckConvolutions()
    {
        if (!IsConvolutional) return;
        if (ImageSide * ImageSide != Inputs)
            throw new ArgumentException($"A convolutional network needs a square image; {Inputs} inputs is not one.");
        foreach (var l in Plan.Convolutions)
        {
            if (l.OutputChannels < 1 || l.OutputChannels > 4096) throw new ArgumentException($"A convolution has 1 to 4096 filters, got {l.OutputChannels}.");
            if (l.InputSide < NetworkPlan.ConvKernel + 1)
                throw new ArgumentException($"A {l.InputSide} x {l.InputSide} feature map is too small for a {NetworkPlan.ConvKernel} x {NetworkPlan.ConvKernel} convolution and 2 x 2 pooling.");
        }
    }

    /// <summary>
    /// Throws <see cref="ArgumentException"/> if a weight matrix or an activation buffer for batches of
    /// <paramref name="maxRows"/> rows would hold more values than one device buffer can (int.MaxValue).
    /// </summary>
    public void CheckBufferSizes(int maxRows)
    {
        CheckConvolutions();
        var plan = Plan;
        foreach (var l in plan.Convolutions)
        {
            long values = (long)maxRows * l.OutputSide * l.OutputSide * Math.Max(l.OutputChannels, l.Depth);
            if (values > int.MaxValue)
                throw SettingException.Exceeds($"A batch of {maxRows:N0} images needs {values:N0} values for a convolution; one device buffer holds at most {int.MaxValue:N0}", TrainingSetting.BatchSize);
        }
        foreach (var l in plan.DenseLayers)
        {
            long weights = l.Parameters[0].Length;
            if (weights > int.MaxValue)
                throw SettingException.Exceeds($"A {l.InputChannels:N0} x {l.OutputChannels:N0} layer needs {weights:N0} weights; one device buffer holds at most {int.MaxValue:N0} values", TrainingSetting.HiddenWidths);
        }
        foreach (int width in plan.DenseWidths)
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

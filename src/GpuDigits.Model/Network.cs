using GpuDigits.Engine;
using GpuDigits.Model.Optimizers;
using GpuDigits.Model.Layers;

namespace GpuDigits.Model;

/// <summary>
/// The network of a <see cref="NetworkSpec"/> on one accelerator: convolution + pooling stages (a CNN), dense layers,
/// softmax cross-entropy on top. Every op goes through the <see cref="Accelerator"/>; the network never sees a backend.
/// </summary>
public sealed class Network : IDisposable
{
    private readonly ILayer[] _layers;

    public Network(Accelerator accelerator, NetworkSpec spec, int maxRows)
    {
        Accelerator = accelerator;
        Spec = spec;
        MaxRows = maxRows;
        spec.CheckBufferSizes(maxRows);
        var plan = spec.Plan;
        var layers = new List<ILayer>();
        _layers = [];
        try
        {
            for (int i = 0; i < plan.Layers.Count; i++)
            {
                var l = plan.Layers[i];
                if (ReluIntoPool(plan, i) && ConvPoolLayer.Fits(i, l.Depth))
                {
                    // The convolution and the pooling after it, as one fused layer.
                    layers.Add(new ConvPoolLayer(accelerator, l.InputSide, l.InputChannels, l.OutputChannels, NetworkPlan.ConvKernel, maxRows));
                    i++;
                    continue;
                }
                layers.Add(l.Kind switch
                {
                    LayerKind.Convolution => new ConvLayer(accelerator, l.InputSide, l.InputChannels, l.OutputChannels,
                        NetworkPlan.ConvKernel, l.Activation, maxRows) { ActivationBackwardInPool = ReluIntoPool(plan, i) },
                    LayerKind.Pool => new PoolLayer(accelerator, l.InputSide, l.InputChannels, maxRows) { ReluInput = ReluIntoPool(plan, i - 1) },
                    _ => new DenseLayer(accelerator, l.InputChannels, l.OutputChannels, l.Activation, maxRows)
                    {
                        GlorotForAll = spec.IsConvolutional,
                    },
                });
            }
            _layers = layers.ToArray();
            Probabilities = accelerator.Allocate<float>(maxRows * spec.Classes);
        }
        catch
        {
            foreach (var l in layers) l.Dispose();
            Probabilities?.Dispose();
            throw;
        }
        var shapes = plan.Parameters;
        Parameters = _layers.SelectMany(l => l.Parameters).Select((p, i) => Rename(p, shapes[i].Name)).ToArray();
    }

    /// <summary>Layer <paramref name="i"/> is a ReLU convolution that a max pooling follows: its ReLU backward is
    /// folded into the pooling (kernels' PoolGate: the same gradient bit for bit, one pass over the feature map less).</summary>
    private static bool ReluIntoPool(NetworkPlan plan, int i) =>
        i >= 0 && i + 1 < plan.Layers.Count && plan.Layers[i].Kind == LayerKind.Convolution
        && plan.Layers[i].Activation == Activation.Relu && plan.Layers[i + 1].Kind == LayerKind.Pool;

    private static Parameter Rename(Parameter p, string name) => new(name, p.Value, p.Gradient);

    public Accelerator Accelerator { get; }
    public NetworkSpec Spec { get; }
    public int MaxRows { get; }
    public IReadOnlyList<ILayer> Layers => _layers;

    /// <summary>In layer order: Wc1, bc1, ... of the convolutions, then W1, b1, W2, b2, ... of the dense layers.</summary>
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>Softmax output of the last <see cref="Loss"/> call, rows x classes.</summary>
    public DeviceBuffer<float> Probabilities { get; private set; } = null!;

    /// <summary>Fills the weights from the seeded generator (He or Xavier, see <see cref="Initialization"/>), zero biases.</summary>
    public void Initialize(SeededRandom random)
    {
        foreach (var layer in _layers) layer.Initialize(random);
    }

    /// <summary>Runs the layers on x (rows x inputs; images as NHWC, one channel); returns the logits buffer (rows x classes).</summary>
    public DeviceBuffer<float> Forward(DeviceBuffer<float> x, int rows)
    {
        CheckRows(rows);
        var input = x;
        foreach (var layer in _layers)
        {
            layer.Forward(input, rows);
            input = layer.Output;
        }
        return input;
    }

    /// <summary>
    /// Softmax cross-entropy of the last forward pass against <paramref name="labels"/>; adds loss sum and correct
    /// count to <paramref name="stats"/>. With <paramref name="withGradient"/>, also seeds the output layer's
    /// gradient with dL/dlogits for the batch-mean loss.
    /// </summary>
    public void Loss(DeviceBuffer<int> labels, int rows, DeviceBuffer<float> stats, bool withGradient)
    {
        var last = _layers[^1];
        Accelerator.SoftmaxCrossEntropy(last.Output, labels, rows, Spec.Classes, Probabilities,
            withGradient ? last.OutputGradient : null, 1f / rows, stats);
    }

    /// <summary>
    /// Lets every dense layer take its weights' optimizer step in <see cref="Backward"/>, with the GEMM of their
    /// gradient (<see cref="Optimizer.TakeOver"/>); <see cref="Optimizer.ApplyStep"/> then steps the rest. The values are
    /// the same as with every step in ApplyStep.
    /// </summary>
    public void StepWeightsInBackward(Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        foreach (var dense in _layers.OfType<DenseLayer>()) dense.WeightStep = optimizer.TakeOver(dense.Weights.Value);
    }

    /// <summary>Back-propagates the gradient seeded by <see cref="Loss"/> into every parameter's gradient buffer.</summary>
    public void Backward(DeviceBuffer<float> x, int rows)
    {
        CheckRows(rows);
        for (int i = _layers.Length - 1; i >= 0; i--)
        {
            var input = i == 0 ? x : _layers[i - 1].Output;
            var inputGradient = i == 0 ? null : _layers[i - 1].OutputGradient;
            _layers[i].Backward(input, rows, inputGradient);
        }
    }

    /// <summary>Copies all parameters to the host, in <see cref="Parameters"/> order.</summary>
    public float[][] ExportParameters() => Parameters.Select(p => p.Value.ToArray()).ToArray();

    /// <summary>Loads parameters exported by <see cref="ExportParameters"/> (or read from a model file).</summary>
    public void ImportParameters(IReadOnlyList<float[]> values)
    {
        if (values.Count != Parameters.Count)
            throw new ArgumentException($"Expected {Parameters.Count} parameter tensors, got {values.Count}.");
        for (int i = 0; i < values.Count; i++)
        {
            if (values[i].Length != Parameters[i].Count)
                throw new ArgumentException($"Parameter {Parameters[i].Name} has {Parameters[i].Count} values, got {values[i].Length}.");
            Parameters[i].Value.CopyFromHost(values[i]);
        }
    }

    private void CheckRows(int rows)
    {
        if (rows < 1 || rows > MaxRows)
            throw new ArgumentOutOfRangeException(nameof(rows), $"Batch of {rows} rows; this network was sized for 1..{MaxRows}.");
    }

    public void Dispose()
    {
        foreach (var l in _layers) l?.Dispose();
        Probabilities?.Dispose();
    }
}

using Google.Protobuf;
using GpuDigits.Engine;
using GpuDigits.Files;
using GpuDigits.Model;
using GpuDigits.Model.Persistence;
using Onnx;

namespace GpuDigits.Reports.Export;

/// <summary>
/// Writes a model as ONNX (opset 13), its input normalization included, so it runs in any ONNX runtime. Input
/// <c>pixels</c>: float32 [N, 784] in [0, 1] (the MNIST bytes / 255); outputs <c>logits</c> [N, 10] and
/// <c>probabilities</c> (softmax). The MLP is MatMul + Add + activation per layer. The CNN reshapes to NCHW
/// [N, 1, 28, 28] (one channel: the same bytes as our NHWC), runs Conv (our (ky, kx, c) x filters weights transposed
/// to ONNX's [filters, c, ky, kx]) + ReLU + MaxPool per stage, then transposes the last map back to NHWC before
/// flattening, because our dense layer reads the features in (h, w, c) order. The protobuf messages come from
/// OnnxSharp (the ONNX schema compiled for Google.Protobuf); nothing of the format is hand-written.
/// </summary>
public static class OnnxExport
{
    public const string Input = "pixels";
    public const string Logits = "logits";
    public const string Probabilities = "probabilities";

    public static void Write(ModelFile model, string path)
    {
        var bytes = Build(model).ToByteArray();
        Files.AtomicFile.WriteAllBytes(path, bytes);
    }

    public static ModelProto Build(ModelFile model)
    {
        var spec = model.Spec;
        var graph = new GraphProto { Name = $"gpudigits {spec}" };
        graph.Input.Add(Value(Input, spec.Inputs));
        graph.Output.Add(Value(Logits, spec.Classes));
        graph.Output.Add(Value(Probabilities, spec.Classes));

        graph.Initializer.Add(Floats("mean", [], [(float)model.Normalization.Mean]));
        graph.Initializer.Add(Floats("std", [], [(float)model.Normalization.Std]));
        graph.Node.Add(Node("Sub", [Input, "mean"], ["centered"]));
        graph.Node.Add(Node("Div", ["centered", "std"], ["x0"]));
        string x = "x0";
        int p = 0; // next parameter tensor

        if (spec.IsConvolutional)
        {
            int side = spec.ImageSide;
            graph.Initializer.Add(Ints("image_shape", [-1, 1, side, side]));
            graph.Node.Add(Node("Reshape", [x, "image_shape"], ["image"]));
            x = "image";
        }
        var plan = spec.Plan;
        int stage = 0, dense = 0; // for node names: conv1, pool1, ..., mm1, z1, h1, ...
        var previous = LayerKind.Dense;
        foreach (var l in plan.Layers)
        {
            switch (l.Kind)
            {
                case LayerKind.Convolution:
                {
                    // Ours: (ky, kx, c) rows x filters; ONNX Conv: filters x channels x ky x kx, on NCHW maps.
                    int k = NetworkPlan.ConvKernel, channels = l.InputChannels, filters = l.OutputChannels;
                    var (w, b) = (l.Parameters[0], l.Parameters[1]);
                    stage++;
                    var ours = model.Parameters[p++];
                    var onnx = new float[ours.Length];
                    for (int f = 0; f < filters; f++)
                        for (int c = 0; c < channels; c++)
                            for (int ky = 0; ky < k; ky++)
                                for (int kx = 0; kx < k; kx++)
                                    onnx[((f * channels + c) * k + ky) * k + kx] = ours[((ky * k + kx) * channels + c) * filters + f];
                    graph.Initializer.Add(Floats(w.Name, [filters, channels, k, k], onnx));
                    graph.Initializer.Add(Floats(b.Name, [filters], model.Parameters[p++]));
                    graph.Node.Add(Node("Conv", [x, w.Name, b.Name], [$"conv{stage}"], Attr("kernel_shape", k, k)));
                    graph.Node.Add(Node(ActivationOp(l.Activation), [$"conv{stage}"], [$"act{stage}"]));
                    x = $"act{stage}";
                    break;
                }
                case LayerKind.Pool:
                    graph.Node.Add(Node("MaxPool", [x], [$"pool{stage}"], Attr("kernel_shape", 2, 2), Attr("strides", 2, 2)));
                    x = $"pool{stage}";
                    break;
                case LayerKind.Dense:
                {
                    dense++;
                    if (previous == LayerKind.Pool)
                    {
                        // Our dense input is the last pooled map flattened in NHWC order.
                        graph.Node.Add(Node("Transpose", [x], ["nhwc"], Attr("perm", 0, 2, 3, 1)));
                        graph.Initializer.Add(Ints("flat_shape", [-1, l.InputChannels]));
                        graph.Node.Add(Node("Reshape", ["nhwc", "flat_shape"], ["flat"]));
                        x = "flat";
                    }
                    var (w, b) = (l.Parameters[0], l.Parameters[1]);
                    bool last = ReferenceEquals(l, plan.Layers[^1]);
                    graph.Initializer.Add(Floats(w.Name, [w.Rows, w.Cols], model.Parameters[p++]));
                    graph.Initializer.Add(Floats(b.Name, [b.Cols], model.Parameters[p++]));
                    graph.Node.Add(Node("MatMul", [x, w.Name], [$"mm{dense}"]));
                    graph.Node.Add(Node("Add", [$"mm{dense}", b.Name], [last ? Logits : $"z{dense}"]));
                    if (!last)
                    {
                        graph.Node.Add(Node(ActivationOp(l.Activation), [$"z{dense}"], [$"h{dense}"]));
                        x = $"h{dense}";
                    }
                    break;
                }
            }
            previous = l.Kind;
        }
        graph.Node.Add(Node("Softmax", [Logits], [Probabilities], Attr("axis", 1)));

        var proto = new ModelProto { IrVersion = 8, ProducerName = "gpudigits", ProducerVersion = "0.2", Graph = graph };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        foreach (var (key, value) in model.Metadata)
            proto.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        // The classes' names by output index, as a JSON array, for a program that shows what the model says.
        if (model.DataSet is { } dataSet && dataSet.ClassNames.Count == spec.Classes)
            proto.MetadataProps.Add(new StringStringEntryProto
            {
                Key = ClassNamesKey, Value = JsonArray(dataSet.ClassNames),
            });
        return proto;
    }

    /// <summary>Strings as a JSON array, written without reflection (the trimmed build cannot serialize by it).</summary>
    private static string JsonArray(IReadOnlyList<string> values)
    {
        using var buffer = new MemoryStream();
        using (var json = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach (var value in values) json.WriteStringValue(value);
            json.WriteEndArray();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The metadata key of the class names (a JSON array of strings, by output index).</summary>
    public const string ClassNamesKey = "class_names";

    private static string ActivationOp(Activation a) => a switch
    {
        Activation.Relu => "Relu",
        Activation.Sigmoid => "Sigmoid",
        Activation.Tanh => "Tanh",
        Activation.Elu => "Elu", // alpha defaults to 1
        _ => "Identity",
    };

    private static ValueInfoProto Value(string name, int width)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "N" });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = width });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }

    private static TensorProto Floats(string name, long[] dims, float[] values)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        t.Dims.AddRange(dims);
        var raw = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, raw, 0, raw.Length); // ONNX raw data is little-endian, as .NET floats are here
        t.RawData = ByteString.CopyFrom(raw);
        return t;
    }

    private static TensorProto Ints(string name, long[] values)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        t.Dims.Add(values.Length);
        t.Int64Data.AddRange(values);
        return t;
    }

    private static NodeProto Node(string op, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = $"{op}_{outputs[0]}" };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        return node;
    }

    private static AttributeProto Attr(string name, params long[] values)
    {
        if (values.Length == 1 && name == "axis")
            return new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = values[0] };
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }
}

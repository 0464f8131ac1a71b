using GpuDigits.Engine;
using NUnit.Framework;

namespace GpuDigits.Tests.Engine;

/// <summary>
/// Argument validation done once for all backends by the <see cref="Accelerator"/> base class: a buffer too small
/// for the op, or one allocated by another accelerator, is an <see cref="ArgumentException"/> naming that argument.
/// </summary>
[TestFixture]
public sealed class ValidationOpTests : AcceleratorFixture
{
    private Accelerator? _other;

    /// <summary>A second accelerator, distinct from every device under test (a separate CPU instance).</summary>
    private Accelerator Other => _other ??= TestAccelerators.Catalog.Open("cpu");

    [OneTimeTearDown]
    public void DisposeOther() => _other?.Dispose();

    private enum Fault { None, TooSmall, Foreign }

    /// <summary>Makes every buffer of one op call, zero-filled and of the right size, except the targeted one.</summary>
    private sealed class Buffers(Accelerator device, Accelerator other, string target, Fault fault) : IDisposable
    {
        private readonly List<IDisposable> _made = [];

        public bool TargetMade { get; private set; }

        public DeviceBuffer<T> Get<T>(string name, int length) where T : unmanaged
        {
            var (owner, size) = (device, length);
            if (name == target)
            {
                TargetMade = true;
                (owner, size) = fault == Fault.Foreign ? (other, length) : (device, length - 1);
            }
            var buffer = owner.Upload<T>(new T[size]);
            _made.Add(buffer);
            return buffer;
        }

        public DeviceBuffer<float> F(string name, int length) => Get<float>(name, length);

        public void Dispose() => _made.ForEach(b => b.Dispose());
    }

    /// <summary>One well-formed call per op (small shapes) and the buffer arguments it checks for size.</summary>
    private static Dictionary<string, (Action<Accelerator, Buffers> Call, string[] Sized, string[] OwnedOnly)> Ops =>
        field ??= new(FixedOps.Concat(OptimizerOps()));

    /// <summary>Every optimizer's step, its state tensors named as the base class names them.</summary>
    private static IEnumerable<KeyValuePair<string, (Action<Accelerator, Buffers> Call, string[] Sized, string[] OwnedOnly)>> OptimizerOps()
    {
        foreach (var d in OptimizerCatalog.All)
        {
            var rule = d.Bind(new OptimizerSettings());
            string[] slots = [.. Enumerable.Range(0, d.Slots).Select(i => $"slots[{i}]")];
            yield return new(d.OpName, ((acc, f) => rule.Step(acc, f.F("param", 9), f.F("grad", 9), [.. slots.Select(n => f.F(n, 9))], 9,
                f.F("scalars", GpuDigits.Kernels.StepScalars.Length)), ["param", "grad", .. slots, "scalars"], []));
        }
    }

    private static readonly Dictionary<string, (Action<Accelerator, Buffers> Call, string[] Sized, string[] OwnedOnly)> FixedOps = new()
    {
        ["gemm"] = ((acc, f) => acc.Gemm(true, false, 3, 4, 5, 1f, f.F("a", 15), f.F("b", 20), 0.5f, f.F("c", 12), f.F("bias", 4),
            Activation.Relu), ["a", "b", "c", "bias"], []),
        ["bias_add"] = ((acc, f) => acc.BiasAdd(f.F("x", 12), f.F("bias", 4), 3, 4), ["x", "bias"], []),
        ["activation_forward"] = ((acc, f) => acc.ActivationForward(Activation.Tanh, f.F("x", 9), f.F("y", 9), 9), ["x", "y"], []),
        ["activation_backward"] = ((acc, f) => acc.ActivationBackward(Activation.Sigmoid, f.F("y", 9), f.F("dy", 9), f.F("dx", 9), 9),
            ["y", "dy", "dx"], []),
        ["softmax_xent"] = ((acc, f) => acc.SoftmaxCrossEntropy(f.F("logits", 12), f.Get<int>("labels", 3), 3, 4,
            f.F("probabilities", 12), f.F("gradient", 12), 1f, f.F("stats", 2)),
            ["logits", "labels", "probabilities", "gradient", "stats"], []),
        ["column_sums"] = ((acc, f) => acc.ColumnSums(f.F("x", 12), 3, 4, f.F("sums", 4), 1f), ["x", "sums"], []),
        // images, labels and indices have no size the base class can check (the position is read when the op runs,
        // and the indices choose the samples), only an owner.
        ["gather_batch"] = ((acc, f) => acc.GatherBatch(f.Get<byte>("images", 8), f.Get<byte>("labels", 2),
            f.Get<int>("indices", 4), f.Get<int>("startAt", 1), 3, 4, 0.1f, 3f, f.F("x", 12), f.Get<int>("batchLabels", 3)),
            ["startAt", "x", "batchLabels"], ["images", "labels", "indices"]),
    };

    public static IEnumerable<string> OpNames => Ops.Keys;

    [Test]
    public void OptimizerStepWithTheWrongNumberOfStateTensorsIsRejected(
        [ValueSource(typeof(TestAccelerators), nameof(TestAccelerators.Selected))] string device)
    {
        var accelerator = Device(device);
        using var buffers = new Buffers(accelerator, Other, "", Fault.None);
        var (p, g, s, scalars) = (buffers.F("p", 4), buffers.F("g", 4), buffers.F("s", 4), buffers.F("scalars", 3));
        var adam = new GpuDigits.Kernels.AdamRule { Beta1 = 0.9f, Beta2 = 0.999f, Epsilon = 1e-8f };
        var sgd = new GpuDigits.Kernels.SgdMomentumRule { Momentum = 0.9f };
        Assert.That(() => accelerator.OptimizerStep(adam, p, g, [s], 4, scalars),
            Throws.ArgumentException.With.Property("ParamName").EqualTo("slots"));
        Assert.That(() => accelerator.OptimizerStep(sgd, p, g, [s, s], 4, scalars),
            Throws.ArgumentException.With.Property("ParamName").EqualTo("slots"));
    }

    public static IEnumerable<string> SizedArguments => Ops.SelectMany(o => o.Value.Sized.Select(a => $"{o.Key}.{a}"));

    public static IEnumerable<string> AllArguments =>
        Ops.SelectMany(o => o.Value.Sized.Concat(o.Value.OwnedOnly).Select(a => $"{o.Key}.{a}"));

    [Test]
    public void WellFormedCallIsAccepted(
        [ValueSource(typeof(TestAccelerators), nameof(TestAccelerators.Selected))] string device,
        [ValueSource(nameof(OpNames))] string op)
    {
        var accelerator = Device(device);
        using var buffers = new Buffers(accelerator, Other, "", Fault.None);
        Assert.DoesNotThrow(() => Ops[op].Call(accelerator, buffers));
        accelerator.Synchronize();
    }

    [Test]
    public void TooSmallBufferIsRejected(
        [ValueSource(typeof(TestAccelerators), nameof(TestAccelerators.Selected))] string device,
        [ValueSource(nameof(SizedArguments))] string argument)
    {
        Rejects(device, argument, Fault.TooSmall);
    }

    [Test]
    public void BufferOfAnotherAcceleratorIsRejected(
        [ValueSource(typeof(TestAccelerators), nameof(TestAccelerators.Selected))] string device,
        [ValueSource(nameof(AllArguments))] string argument)
    {
        Rejects(device, argument, Fault.Foreign);
    }

    private void Rejects(string device, string argument, Fault fault)
    {
        var accelerator = Device(device);
        var (op, name) = (argument.Split('.')[0], argument.Split('.')[1]);
        using var buffers = new Buffers(accelerator, Other, name, fault);
        var error = Assert.Throws<ArgumentException>(() => Ops[op].Call(accelerator, buffers));
        Assert.That(buffers.TargetMade, Is.True, $"the {op} call never asked for '{name}'");
        Assert.That(error!.ParamName, Is.EqualTo(name));
    }
}

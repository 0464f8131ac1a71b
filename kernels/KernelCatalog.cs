using System.Reflection;
using ILGPU;

namespace GpuDigits.Kernels;

using FloatView = ArrayView<float>;
using IntView = ArrayView<int>;
using ByteView = ArrayView<byte>;

/// <summary>
/// One kernel entry point: its name and the kernel as a delegate, whose type (the kernel's parameters) the engine's
/// loader turns into the typed launch delegate. Declared once, in <see cref="KernelCatalog"/>.
/// </summary>
public sealed class KernelEntry<TKernel>(string name, TKernel kernel) : IKernelEntry where TKernel : Delegate
{
    public string Name { get; } = name;

    public TKernel Kernel { get; } = kernel;

    public MethodInfo Method => Kernel.Method;

    public override string ToString() => Name;
}

/// <summary>What the loader and the ahead-of-time compile tests need of any entry.</summary>
public interface IKernelEntry
{
    string Name { get; }

    MethodInfo Method { get; }
}

/// <summary>
/// Every kernel entry point of this project, once, as the engine launches it: the engine loads these entries (and
/// nothing else), and the tests compile every one of them ahead of time to PTX, with no GPU. The GEMM is listed per
/// tile in its four transpose forms; the fill at 1, 2 and 4 bytes; the optimizer step per rule.
/// </summary>
public static class KernelCatalog
{
    public static readonly KernelEntry<Action<FloatView, FloatView, int, int>> BiasAdd =
        new(nameof(BiasAdd), BiasActivationKernels.BiasAdd);

    public static readonly KernelEntry<Action<FloatView, FloatView, int, int>> ActivationForward =
        new(nameof(ActivationForward), BiasActivationKernels.ActivationForward);

    public static readonly KernelEntry<Action<FloatView, FloatView, FloatView, int, int>> ActivationBackward =
        new(nameof(ActivationBackward), BiasActivationKernels.ActivationBackward);

    public static readonly KernelEntry<Action<SoftmaxArgs, FloatView, IntView, FloatView, FloatView, FloatView>> SoftmaxRows =
        new("Rows", SoftmaxCrossEntropyKernels.Rows);

    public static readonly KernelEntry<Action<FloatView, int, FloatView>> SoftmaxTotals =
        new("Totals", SoftmaxCrossEntropyKernels.Totals);

    public static readonly KernelEntry<Action<FloatView, int, int, FloatView, float>> ColumnSums =
        new(nameof(ColumnSums), ReductionKernels.ColumnSums);

    public static readonly KernelEntry<Action<GatherArgs, ByteView, ByteView, IntView, IntView, FloatView, IntView>> GatherBatch =
        new(nameof(GatherBatch), GatherKernels.GatherBatch);

    public static readonly KernelEntry<Action<ImageArgs, FloatView, FloatView>> Im2Col =
        new(nameof(Im2Col), ConvolutionKernels.Im2Col);

    public static readonly KernelEntry<Action<ImageArgs, FloatView, FloatView>> Col2Im =
        new(nameof(Col2Im), ConvolutionKernels.Col2Im);

    public static readonly KernelEntry<Action<ImageArgs, FloatView, FloatView, IntView, int>> MaxPool2x2 =
        new(nameof(MaxPool2x2), ConvolutionKernels.MaxPool2x2);

    public static readonly KernelEntry<Action<ImageArgs, FloatView, IntView, FloatView>> MaxPool2x2Backward =
        new(nameof(MaxPool2x2Backward), ConvolutionKernels.MaxPool2x2Backward);

    public static readonly KernelEntry<Action<ImageArgs, int, FloatView, FloatView, FloatView, FloatView, IntView>> ConvReluMaxPool =
        new(nameof(ConvReluMaxPool), ConvPoolKernels.ConvReluMaxPool);

    public static readonly KernelEntry<Action<ImageArgs, int, FloatView, IntView, FloatView, FloatView, FloatView>> ConvReluMaxPoolBackward =
        new(nameof(ConvReluMaxPoolBackward), ConvPoolKernels.ConvReluMaxPoolBackward);

    public static readonly KernelEntry<Action<ByteView, byte>> Fill8 = new("Fill<Byte>", FillKernels.Fill<byte>);

    public static readonly KernelEntry<Action<ArrayView<ushort>, ushort>> Fill16 = new("Fill<UInt16>", FillKernels.Fill<ushort>);

    public static readonly KernelEntry<Action<ArrayView<uint>, uint>> Fill32 = new("Fill<UInt32>", FillKernels.Fill<uint>);

    /// <summary>Every kernel except the GEMM, whose entries depend on the tile (<see cref="Gemm{TTile}"/>).</summary>
    public static IReadOnlyList<IKernelEntry> Ops { get; } =
    [
        BiasAdd, ActivationForward, ActivationBackward, SoftmaxRows, SoftmaxTotals, ColumnSums, GatherBatch,
        Im2Col, Col2Im, MaxPool2x2, MaxPool2x2Backward, ConvReluMaxPool, ConvReluMaxPoolBackward, Fill8, Fill16, Fill32,
    ];

    /// <summary>
    /// The optimizer step of one rule. The rules in use are listed once, by the engine's optimizer catalog
    /// (src/GpuDigits.Engine/OptimizerCatalog.cs), which asks here for each one's entry.
    /// </summary>
    public static KernelEntry<Action<TRule, int, FloatView, FloatView, FloatView, FloatView, FloatView>> OptimizerStep<TRule>()
        where TRule : struct, IOptimizerRule => OptimizerStepOf<TRule>.Entry;

    private static class OptimizerStepOf<TRule> where TRule : struct, IOptimizerRule
    {
        public static readonly KernelEntry<Action<TRule, int, FloatView, FloatView, FloatView, FloatView, FloatView>> Entry =
            new($"OptimizerStep<{typeof(TRule).Name}>", OptimizerKernels.Step<TRule>);
    }

    /// <summary>The GEMM of one tile in its four transpose forms, in the order NN, NT, TN, TT.</summary>
    public static IReadOnlyList<KernelEntry<Action<GemmArgs, FloatView, FloatView, FloatView, FloatView>>> Gemm<TTile>()
        where TTile : struct, IGemmTile =>
    [
        new($"Gemm<{typeof(TTile).Name},N,N>", GemmKernels.Gemm<TTile, AsStored, AsStored>),
        new($"Gemm<{typeof(TTile).Name},N,T>", GemmKernels.Gemm<TTile, AsStored, Transposed>),
        new($"Gemm<{typeof(TTile).Name},T,N>", GemmKernels.Gemm<TTile, Transposed, AsStored>),
        new($"Gemm<{typeof(TTile).Name},T,T>", GemmKernels.Gemm<TTile, Transposed, Transposed>),
    ];

    /// <summary>Every fixed entry point: the ops and the GEMM of every tile (the optimizer steps are <see cref="OptimizerStep{TRule}"/> of the rules the engine lists).</summary>
    public static IReadOnlyList<IKernelEntry> All() =>
        [.. Gemm<GemmTile64>(), .. Gemm<GemmTile32>(), .. Gemm<GemmTile16>(), .. Ops];
}

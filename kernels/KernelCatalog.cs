using System.Reflection;
using ILGPU;

namespace GpuDigits.Kernels;

/// <summary>
/// Every kernel entry point of this project, instantiated as the engine loads it (each GEMM tile in its four transpose
/// forms, the fills at 1, 2 and 4 bytes): what the tests compile ahead of time to PTX, with no GPU.
/// </summary>
public static class KernelCatalog
{
    public static IReadOnlyList<(string Name, MethodInfo Method)> All()
    {
        var list = new List<(string, MethodInfo)>();
        AddGemm<GemmTile64>(list);
        AddGemm<GemmTile32>(list);
        AddGemm<GemmTile16>(list);
        (Type Type, string[] Names)[] families =
        [
            (typeof(BiasActivationKernels), [nameof(BiasActivationKernels.BiasAdd), nameof(BiasActivationKernels.ActivationForward), nameof(BiasActivationKernels.ActivationBackward)]),
            (typeof(SoftmaxCrossEntropyKernels), [nameof(SoftmaxCrossEntropyKernels.Rows), nameof(SoftmaxCrossEntropyKernels.Totals)]),
            (typeof(ReductionKernels), [nameof(ReductionKernels.ColumnSums)]),
            (typeof(OptimizerKernels), [nameof(OptimizerKernels.SgdMomentum), nameof(OptimizerKernels.Adam)]),
            (typeof(GatherKernels), [nameof(GatherKernels.GatherBatch)]),
            (typeof(ConvolutionKernels), [nameof(ConvolutionKernels.Im2Col), nameof(ConvolutionKernels.Col2Im), nameof(ConvolutionKernels.MaxPool2x2), nameof(ConvolutionKernels.MaxPool2x2Backward)]),
        ];
        foreach (var (type, names) in families)
            foreach (var name in names)
                list.Add((name, type.GetMethod(name, BindingFlags.Public | BindingFlags.Static)!));
        list.Add(("Fill<Byte>", ((Action<ArrayView<byte>, byte>)FillKernels.Fill).Method));
        list.Add(("Fill<UInt16>", ((Action<ArrayView<ushort>, ushort>)FillKernels.Fill).Method));
        list.Add(("Fill<UInt32>", ((Action<ArrayView<uint>, uint>)FillKernels.Fill).Method));
        return list;
    }

    private static void AddGemm<TTile>(List<(string, MethodInfo)> list) where TTile : struct, IGemmTile
    {
        list.Add(($"Gemm<{typeof(TTile).Name},N,N>", ((Action<GemmArgs, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>)GemmKernels.Gemm<TTile, AsStored, AsStored>).Method));
        list.Add(($"Gemm<{typeof(TTile).Name},N,T>", ((Action<GemmArgs, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>)GemmKernels.Gemm<TTile, AsStored, Transposed>).Method));
        list.Add(($"Gemm<{typeof(TTile).Name},T,N>", ((Action<GemmArgs, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>)GemmKernels.Gemm<TTile, Transposed, AsStored>).Method));
        list.Add(($"Gemm<{typeof(TTile).Name},T,T>", ((Action<GemmArgs, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>)GemmKernels.Gemm<TTile, Transposed, Transposed>).Method));
    }
}

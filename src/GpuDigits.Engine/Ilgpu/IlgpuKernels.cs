using GpuDigits.Kernels;
using ILGPU;
using ILGPU.Runtime;

namespace GpuDigits.Engine.Ilgpu;

using IlgpuDevice = ILGPU.Runtime.Accelerator;

using FloatView = ArrayView<float>;
using GemmLauncher = Action<AcceleratorStream, KernelConfig, GemmArgs, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>;

/// <summary>
/// The kernels of <c>kernels/</c> loaded on one ILGPU accelerator as typed launch delegates (stream, launch shape,
/// then the kernel's own parameters, checked by the compiler). Each is compiled and loaded on first use;
/// <see cref="LoadAll"/> loads every one (a recorded step may not compile anything).
/// </summary>
internal sealed class IlgpuKernels
{
    private readonly IlgpuDevice _device;
    private readonly Lazy<GemmLaunchers> _gemm;
    private readonly Lazy<Action<AcceleratorStream, KernelConfig, FloatView, FloatView, int, int>> _biasAdd;
    private readonly Lazy<Action<AcceleratorStream, KernelConfig, FloatView, FloatView, int, int>> _activationForward;
    private readonly Lazy<Action<AcceleratorStream, KernelConfig, FloatView, FloatView, FloatView, int, int>> _activationBackward;
    private readonly Lazy<Action<AcceleratorStream, KernelConfig, SoftmaxArgs, FloatView, ArrayView<int>, FloatView, FloatView, FloatView>> _softmaxRows;
    private readonly Lazy<Action<AcceleratorStream, KernelConfig, FloatView, int, FloatView>> _softmaxTotals;
    private readonly Lazy<Action<AcceleratorStream, KernelConfig, FloatView, int, int, FloatView, float>> _columnSums;
    private readonly Lazy<Action<AcceleratorStream, KernelConfig, SgdArgs, FloatView, FloatView, FloatView, FloatView>> _sgd;
    private readonly Lazy<Action<AcceleratorStream, KernelConfig, AdamArgs, FloatView, FloatView, FloatView, FloatView, FloatView>> _adam;
    private readonly Lazy<Action<AcceleratorStream, KernelConfig, GatherArgs, ArrayView<byte>, ArrayView<byte>, ArrayView<int>, ArrayView<int>, FloatView, ArrayView<int>>> _gather;
    private readonly Lazy<Action<AcceleratorStream, KernelConfig, ImageArgs, FloatView, FloatView>> _im2col;
    private readonly Lazy<Action<AcceleratorStream, KernelConfig, ImageArgs, FloatView, FloatView>> _col2im;
    private readonly Lazy<Action<AcceleratorStream, KernelConfig, ImageArgs, FloatView, FloatView, ArrayView<int>>> _maxPool;
    private readonly Lazy<Action<AcceleratorStream, KernelConfig, ImageArgs, FloatView, ArrayView<int>, FloatView>> _maxPoolBackward;
    private readonly Lazy<Action<AcceleratorStream, KernelConfig, ArrayView<byte>, byte>> _fill8;
    private readonly Lazy<Action<AcceleratorStream, KernelConfig, ArrayView<ushort>, ushort>> _fill16;
    private readonly Lazy<Action<AcceleratorStream, KernelConfig, ArrayView<uint>, uint>> _fill32;

    public IlgpuKernels(IlgpuDevice device, GemmTileChoice tile)
    {
        _device = device;
        _gemm = new(() => tile.Load(device));
        _biasAdd = new(() => device.LoadKernel<FloatView, FloatView, int, int>(BiasActivationKernels.BiasAdd));
        _activationForward = new(() => device.LoadKernel<FloatView, FloatView, int, int>(BiasActivationKernels.ActivationForward));
        _activationBackward = new(() => device.LoadKernel<FloatView, FloatView, FloatView, int, int>(BiasActivationKernels.ActivationBackward));
        _softmaxRows = new(() => device.LoadKernel<SoftmaxArgs, FloatView, ArrayView<int>, FloatView, FloatView, FloatView>(SoftmaxCrossEntropyKernels.Rows));
        _softmaxTotals = new(() => device.LoadKernel<FloatView, int, FloatView>(SoftmaxCrossEntropyKernels.Totals));
        _columnSums = new(() => device.LoadKernel<FloatView, int, int, FloatView, float>(ReductionKernels.ColumnSums));
        _sgd = new(() => device.LoadKernel<SgdArgs, FloatView, FloatView, FloatView, FloatView>(OptimizerKernels.SgdMomentum));
        _adam = new(() => device.LoadKernel<AdamArgs, FloatView, FloatView, FloatView, FloatView, FloatView>(OptimizerKernels.Adam));
        _gather = new(() => device.LoadKernel<GatherArgs, ArrayView<byte>, ArrayView<byte>, ArrayView<int>, ArrayView<int>, FloatView, ArrayView<int>>(GatherKernels.GatherBatch));
        _im2col = new(() => device.LoadKernel<ImageArgs, FloatView, FloatView>(ConvolutionKernels.Im2Col));
        _col2im = new(() => device.LoadKernel<ImageArgs, FloatView, FloatView>(ConvolutionKernels.Col2Im));
        _maxPool = new(() => device.LoadKernel<ImageArgs, FloatView, FloatView, ArrayView<int>>(ConvolutionKernels.MaxPool2x2));
        _maxPoolBackward = new(() => device.LoadKernel<ImageArgs, FloatView, ArrayView<int>, FloatView>(ConvolutionKernels.MaxPool2x2Backward));
        _fill8 = new(() => device.LoadKernel<ArrayView<byte>, byte>(FillKernels.Fill));
        _fill16 = new(() => device.LoadKernel<ArrayView<ushort>, ushort>(FillKernels.Fill));
        _fill32 = new(() => device.LoadKernel<ArrayView<uint>, uint>(FillKernels.Fill));
    }

    public GemmLaunchers Gemm => _gemm.Value;
    public Action<AcceleratorStream, KernelConfig, FloatView, FloatView, int, int> BiasAdd => _biasAdd.Value;
    public Action<AcceleratorStream, KernelConfig, FloatView, FloatView, int, int> ActivationForward => _activationForward.Value;
    public Action<AcceleratorStream, KernelConfig, FloatView, FloatView, FloatView, int, int> ActivationBackward => _activationBackward.Value;
    public Action<AcceleratorStream, KernelConfig, SoftmaxArgs, FloatView, ArrayView<int>, FloatView, FloatView, FloatView> SoftmaxRows => _softmaxRows.Value;
    public Action<AcceleratorStream, KernelConfig, FloatView, int, FloatView> SoftmaxTotals => _softmaxTotals.Value;
    public Action<AcceleratorStream, KernelConfig, FloatView, int, int, FloatView, float> ColumnSums => _columnSums.Value;
    public Action<AcceleratorStream, KernelConfig, SgdArgs, FloatView, FloatView, FloatView, FloatView> Sgd => _sgd.Value;
    public Action<AcceleratorStream, KernelConfig, AdamArgs, FloatView, FloatView, FloatView, FloatView, FloatView> Adam => _adam.Value;
    public Action<AcceleratorStream, KernelConfig, GatherArgs, ArrayView<byte>, ArrayView<byte>, ArrayView<int>, ArrayView<int>, FloatView, ArrayView<int>> Gather => _gather.Value;
    public Action<AcceleratorStream, KernelConfig, ImageArgs, FloatView, FloatView> Im2Col => _im2col.Value;
    public Action<AcceleratorStream, KernelConfig, ImageArgs, FloatView, FloatView> Col2Im => _col2im.Value;
    public Action<AcceleratorStream, KernelConfig, ImageArgs, FloatView, FloatView, ArrayView<int>> MaxPool => _maxPool.Value;
    public Action<AcceleratorStream, KernelConfig, ImageArgs, FloatView, ArrayView<int>, FloatView> MaxPoolBackward => _maxPoolBackward.Value;
    public Action<AcceleratorStream, KernelConfig, ArrayView<byte>, byte> Fill8 => _fill8.Value;
    public Action<AcceleratorStream, KernelConfig, ArrayView<ushort>, ushort> Fill16 => _fill16.Value;
    public Action<AcceleratorStream, KernelConfig, ArrayView<uint>, uint> Fill32 => _fill32.Value;

    /// <summary>Compiles and loads every kernel now.</summary>
    public void LoadAll()
    {
        _ = Gemm; _ = BiasAdd; _ = ActivationForward; _ = ActivationBackward; _ = SoftmaxRows; _ = SoftmaxTotals;
        _ = ColumnSums; _ = Sgd; _ = Adam; _ = Gather; _ = Fill8; _ = Fill16; _ = Fill32;
        _ = Im2Col; _ = Col2Im; _ = MaxPool; _ = MaxPoolBackward;
    }

    public override string ToString() => $"kernels on {_device.Name}";
}

/// <summary>The four transpose forms of the GEMM kernel for one tile.</summary>
internal sealed record GemmLaunchers(GemmLauncher NN, GemmLauncher NT, GemmLauncher TN, GemmLauncher TT)
{
    public static GemmLaunchers Load<TTile>(IlgpuDevice device) where TTile : struct, IGemmTile => new(
        device.LoadKernel<GemmArgs, FloatView, FloatView, FloatView, FloatView>(GemmKernels.Gemm<TTile, AsStored, AsStored>),
        device.LoadKernel<GemmArgs, FloatView, FloatView, FloatView, FloatView>(GemmKernels.Gemm<TTile, AsStored, Transposed>),
        device.LoadKernel<GemmArgs, FloatView, FloatView, FloatView, FloatView>(GemmKernels.Gemm<TTile, Transposed, AsStored>),
        device.LoadKernel<GemmArgs, FloatView, FloatView, FloatView, FloatView>(GemmKernels.Gemm<TTile, Transposed, Transposed>));

    public GemmLauncher For(bool transA, bool transB) => transA ? (transB ? TT : TN) : (transB ? NT : NN);
}

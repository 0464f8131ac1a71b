using GpuDigits.Kernels;
using ILGPU;
using ILGPU.Runtime;

namespace GpuDigits.Engine.Ilgpu;

using IlgpuDevice = ILGPU.Runtime.Accelerator;

/// <summary>
/// The kernels of <see cref="KernelCatalog"/> loaded on one ILGPU accelerator as typed launch delegates (stream,
/// launch shape, then the kernel's own parameters: the overloads of <see cref="Get{T1, T2}"/> derive the launcher's
/// type from the entry's, so the compiler checks every launch). Each is compiled and loaded on first use;
/// <see cref="LoadAll"/> loads every entry this device launches (a recorded step may not compile anything).
/// </summary>
internal sealed class IlgpuKernels(IlgpuDevice device, GemmTileChoice tile)
{
    private readonly Dictionary<string, Delegate> _loaded = [];

    /// <summary>The GEMM entries of the tile in use, NN, NT, TN, TT.</summary>
    private readonly IReadOnlyList<KernelEntry<Action<GemmArgs, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>>> _gemm = tile.Entries;

    public Action<AcceleratorStream, KernelConfig, GemmArgs, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>> Gemm(bool transA, bool transB) =>
        Get(_gemm[(transA ? 2 : 0) + (transB ? 1 : 0)]);

    public Action<AcceleratorStream, KernelConfig, T1, T2> Get<T1, T2>(KernelEntry<Action<T1, T2>> entry) where T1 : struct where T2 : struct =>
        Load<Action<AcceleratorStream, KernelConfig, T1, T2>>(entry);

    public Action<AcceleratorStream, KernelConfig, T1, T2, T3> Get<T1, T2, T3>(KernelEntry<Action<T1, T2, T3>> entry)
        where T1 : struct where T2 : struct where T3 : struct =>
        Load<Action<AcceleratorStream, KernelConfig, T1, T2, T3>>(entry);

    public Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4> Get<T1, T2, T3, T4>(KernelEntry<Action<T1, T2, T3, T4>> entry)
        where T1 : struct where T2 : struct where T3 : struct where T4 : struct =>
        Load<Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4>>(entry);

    public Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4, T5> Get<T1, T2, T3, T4, T5>(KernelEntry<Action<T1, T2, T3, T4, T5>> entry)
        where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct =>
        Load<Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4, T5>>(entry);

    public Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4, T5, T6> Get<T1, T2, T3, T4, T5, T6>(KernelEntry<Action<T1, T2, T3, T4, T5, T6>> entry)
        where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct =>
        Load<Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4, T5, T6>>(entry);

    public Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4, T5, T6, T7> Get<T1, T2, T3, T4, T5, T6, T7>(KernelEntry<Action<T1, T2, T3, T4, T5, T6, T7>> entry)
        where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct =>
        Load<Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4, T5, T6, T7>>(entry);

    /// <summary>Compiles and loads every kernel this device launches now: the catalog's ops, its tile's GEMMs and every optimizer's step.</summary>
    public void LoadAll()
    {
        foreach (var entry in _gemm) Get(entry);
        foreach (var entry in KernelCatalog.Ops) LoadUntyped(entry);
        foreach (var optimizer in OptimizerCatalog.All) LoadUntyped(optimizer.Kernel);
    }

    /// <summary>The launcher of an entry, compiled and loaded the first time it is asked for.</summary>
    private TLauncher Load<TLauncher>(IKernelEntry entry) where TLauncher : Delegate
    {
        lock (_loaded)
        {
            if (!_loaded.TryGetValue(entry.Name, out var launcher))
                _loaded.Add(entry.Name, launcher = device.LoadKernel<TLauncher>(entry.Method));
            return (TLauncher)launcher;
        }
    }

    /// <summary>
    /// Loads an entry whose parameter types are known only at run time (<see cref="LoadAll"/>): the launcher type is
    /// built from the kernel's parameters exactly as the typed overloads build it.
    /// </summary>
    private void LoadUntyped(IKernelEntry entry)
    {
        var parameters = entry.Method.GetParameters().Select(p => p.ParameterType);
        var launcherType = System.Linq.Expressions.Expression.GetActionType([typeof(AcceleratorStream), typeof(KernelConfig), .. parameters]);
        var load = typeof(IlgpuKernels).GetMethod(nameof(Load), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!;
        load.MakeGenericMethod(launcherType).Invoke(this, [entry]);
    }

    public override string ToString() => $"kernels on {device.Name}";
}

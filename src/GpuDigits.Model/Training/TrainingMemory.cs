using GpuDigits.Engine;

namespace GpuDigits.Model.Training;

/// <summary>
/// What a training run will allocate, estimated before anything is allocated, so a configuration that cannot fit is
/// refused with the figures instead of failing minutes later (or being killed by the kernel's OOM killer, which no
/// program can report). Device: parameters, gradients and optimizer state, the activations and their gradients for
/// the largest batch, the images and labels and the shuffled order. Host: two snapshots of parameters and optimizer
/// state (the rewind point), the exported weights of a model save, and the same device share again on a backend whose
/// "device" memory is the host's (the managed CPU backend).
/// </summary>
public static class TrainingMemory
{
    public readonly record struct Estimate(long DeviceBytes, long HostBytes);

    public static Estimate For(NetworkSpec spec, TrainingOptions options, int trainImages, int testImages)
    {
        long p = spec.ParameterCount;
        int state = OptimizerCatalog.Get(options.Optimizer).Slots;
        long rows = Math.Max(options.BatchSize, options.EvaluationBatchSize);
        var plan = spec.Plan;
        long activations = plan.DenseWidths.Sum(w => (long)w) * rows;
        foreach (var l in plan.Layers)
        {
            // A convolution: its im2col rows, its output and its gradient; a pool: its output.
            if (l.Kind == LayerKind.Convolution)
                activations += rows * ((long)l.OutputSide * l.OutputSide * (l.Depth + 2L * l.OutputChannels));
            else if (l.Kind == LayerKind.Pool)
                activations += rows * (long)l.OutputsPerRow;
        }
        long data = ((long)trainImages + testImages) * (spec.Inputs + 1) + 4L * trainImages;
        long device = 4 * (p * (2 + state) + 2 * activations) + data;
        long host = 4 * p * (2 * (1 + state) + 1);
        return new Estimate(device, host);
    }

    /// <summary>
    /// Throws <see cref="DeviceOutOfMemoryException"/> when the estimate exceeds what <paramref name="device"/> has, or
    /// what the host can still give this process (<paramref name="hostAvailable"/>, from the GC's limit).
    /// </summary>
    public static void Check(Estimate need, AcceleratorInfo device, long hostAvailable, string what)
    {
        // Where the device's buffers are host memory, the device share counts against the host too (PoCL may report
        // more global memory than the host can back, and then the kernel's OOM killer ends the process unreported).
        bool sharesHost = device.SharesHostMemory;
        long host = need.HostBytes + (sharesHost ? need.DeviceBytes : 0);
        if (!sharesHost && need.DeviceBytes > device.MemoryBytes)
            throw new DeviceOutOfMemoryException(device.Id, need.DeviceBytes,
                $"{what} needs about {need.DeviceBytes:N0} bytes on the device; {device.Id} has {device.MemoryBytes:N0}", estimated: true);
        if (host > hostAvailable)
            throw new DeviceOutOfMemoryException(sharesHost ? device.Id : "the host", host,
                $"{what} needs about {host:N0} bytes of host memory; {hostAvailable:N0} are available to this process", estimated: true);
    }

    /// <summary>Memory the GC will still give this process: its limit (a container's or DOTNET_GCHeapHardLimit) less what is in use.</summary>
    public static long HostAvailable() =>
        Math.Max(0, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes - GC.GetTotalMemory(forceFullCollection: false));
}

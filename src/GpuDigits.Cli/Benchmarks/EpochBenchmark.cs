using GpuDigits.Data;
using GpuDigits.Engine;
using GpuDigits.Model;
using GpuDigits.Model.Training;
using GpuDigits.Reports.Bench;

namespace GpuDigits.Cli.Benchmarks;

/// <summary>
/// Times whole training epochs of the default model (784-128-128-10 ReLU; or the CNN), batch 128, seed 1, the default 10-epoch
/// cosine schedule) on the real data: one warm-up epoch, then <c>epochs</c> timed ones. The time is the trainer's
/// own epoch time (the training loop over all batches, not the test evaluation after it). The note adds the
/// process CPU time of the least expensive epoch (with its evaluation): on a machine shared with other programs,
/// wall time over CPU time shows how much of the machine the run actually got.
/// </summary>
public static class EpochBenchmark
{
    public static BenchRecord Run(Accelerator accelerator, OptimizerKind optimizer, MnistSplit train, MnistSplit test, int epochs,
        NetworkSpec? spec = null)
    {
        spec ??= NetworkSpec.Default;
        var options = new TrainingOptions { Optimizer = optimizer, Epochs = Math.Max(10, epochs + 1), Seed = 1 };
        using var trainer = new Trainer(accelerator, spec, options, train, test, Normalization.FromImages(train.Images));
        trainer.RunEpoch();
        var times = new double[Math.Max(1, epochs)];
        var cpu = new double[times.Length];
        EpochMetrics last = null!;
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        for (int e = 0; e < times.Length; e++)
        {
            process.Refresh();
            var cpu0 = process.TotalProcessorTime;
            last = trainer.RunEpoch();
            process.Refresh();
            // Includes the test evaluation after the epoch and any spinning of idle workers: an upper bound.
            cpu[e] = (process.TotalProcessorTime - cpu0).TotalSeconds;
            times[e] = last.EpochSeconds;
        }
        Array.Sort(times);
        Array.Sort(cpu);
        double min = times[0], median = OpBenchmarks.Median(times);
        string name = (spec.IsConvolutional ? "cnn " : "") + OptimizerCatalog.Get(optimizer).Name;
        return new BenchRecord("epoch", $"epoch {name}", $"{train.Count} images, batch {options.BatchSize}", train.Count,
            "images/s", times.Length, 1, min, median, train.Count / min, train.Count / median, accelerator.Info.Id,
            $"test accuracy {last.TestAccuracy * 100:F2} % after {last.Epoch} epochs; process CPU {cpu[0]:F3} s per epoch + evaluation");
    }
}

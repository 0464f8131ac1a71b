using GpuDigits.Data;
using GpuDigits.Engine;
using GpuDigits.Engine.Cpu;
using GpuDigits.Model;
using GpuDigits.Model.Training;
using NUnit.Framework;

namespace GpuDigits.Tests.Cpu;

/// <summary>
/// The training step allocates nothing on the CPU accelerator: two warm trainers that differ only in the number of
/// batches per epoch allocate the same bytes per epoch, so the per-step cost (the difference divided by the extra
/// steps) is zero; the per-epoch bookkeeping (a stopwatch, the metrics record) is what is left.
/// </summary>
[TestFixtureSource(nameof(Fixtures))]
public class TrainingStepAllocationTests(OptimizerKind optimizer, int threads)
{
    /// <summary>Every optimizer on one thread and on two.</summary>
    public static IEnumerable<TestFixtureData> Fixtures() =>
        from threads in new[] { 1, 2 } from d in OptimizerCatalog.All select new TestFixtureData(d.Kind, threads);

    private static (long Thread, long Total) AllocatedDuringOneEpoch(MnistSplit train, MnistSplit test, OptimizerKind optimizer, int threads)
    {
        using var acc = new CpuAccelerator(new CpuAcceleratorOptions { Threads = threads, AlwaysSplit = true });
        var options = new TrainingOptions { Optimizer = optimizer, Epochs = 8, Seed = 1, EvaluationBatchSize = 128 };
        using var trainer = new Trainer(acc, NetworkSpec.Default, options, train, test, Normalization.FromImages(train.Images));
        for (int warm = 0; warm < 3; warm++) trainer.RunEpoch();
        // Two measured epochs, keeping the smaller count: other threads of the test host allocate now and then, which
        // only ever adds; an allocation in the training step shows up in both.
        long thread = long.MaxValue, total = long.MaxValue;
        for (int e = 0; e < 2; e++)
        {
            long thread0 = GC.GetAllocatedBytesForCurrentThread();
            long total0 = GC.GetTotalAllocatedBytes(precise: true);
            trainer.RunEpoch();
            thread = Math.Min(thread, GC.GetAllocatedBytesForCurrentThread() - thread0);
            total = Math.Min(total, GC.GetTotalAllocatedBytes(precise: true) - total0);
        }
        return (thread, total);
    }

    [Test]
    public void ATrainingStepAllocatesNothing()
    {
        var data = MnistDataset.Load(TestData.MnistDirectory());
        var test = data.Test.Take(256);
        const int shortSteps = 4, longSteps = 120;
        var few = AllocatedDuringOneEpoch(data.Train.Take(shortSteps * 128), test, optimizer, threads);
        var many = AllocatedDuringOneEpoch(data.Train.Take(longSteps * 128), test, optimizer, threads);

        double perStepThread = (many.Thread - few.Thread) / (double)(longSteps - shortSteps);
        double perStepTotal = (many.Total - few.Total) / (double)(longSteps - shortSteps);
        TestContext.Out.WriteLine($"{optimizer}, {threads} threads: epoch of {shortSteps} steps {few.Thread} B, of {longSteps} steps {many.Thread} B " +
                                  $"(this thread); per step {perStepThread:F1} B here, {perStepTotal:F1} B in the whole process");
        Assert.That(perStepThread, Is.LessThanOrEqualTo(0.5), "bytes allocated per training step on the calling thread");
        // Other threads of the test host may allocate now and then; a real per-step allocation would be >= 24 bytes.
        Assert.That(perStepTotal, Is.LessThan(16), "bytes allocated per training step in the process");
        Assert.That(many.Thread, Is.LessThan(4096), "a whole warm epoch's bookkeeping");
    }
}

using GpuDigits.Data;
using GpuDigits.Engine;
using GpuDigits.Model;
using GpuDigits.Model.Training;
using NUnit.Framework;

namespace GpuDigits.Tests.Model;

/// <summary>
/// A learning rate that blows up is stopped with the epoch and the exact batch, whether the divergence shows in the
/// loss or only in the parameters, and the trainer goes back to its last good state.
/// </summary>
public class DivergenceTests
{
    private static readonly Lazy<(MnistSplit Train, MnistSplit Test)> Small = new(() =>
    {
        var data = MnistDataset.Load(TestData.MnistDirectory());
        return (data.Train.Take(2000), data.Test.Take(100));
    });

    private static readonly TrainingOptions Diverging = new() { Epochs = 2, LearningRate = 100f, Schedule = LearningRateSchedule.Constant };

    private static Trainer NewTrainer(Accelerator acc)
    {
        var (train, test) = Small.Value;
        return new Trainer(acc, NetworkSpec.Default, Diverging, train, test, Normalization.FromImages(train.Images));
    }

    private static TrainingDivergedException Diverge(Accelerator acc, bool reportEveryBatch, out Trainer trainer)
    {
        trainer = NewTrainer(acc);
        var t = trainer;
        // A progress callback slower than the 100 ms report interval makes every batch a progress report, where the
        // loss and the parameters are checked directly; without one, only the end of the epoch checks, and the
        // trainer has to find the batch by replaying the epoch.
        Action<BatchProgress>? onBatch = reportEveryBatch ? _ => Thread.Sleep(110) : null;
        return Assert.Throws<TrainingDivergedException>(() => t.Run(onBatch: onBatch))!;
    }

    [Test]
    public void TheReplayNamesTheSameBatchAsCheckingEveryBatch()
    {
        using var acc = AcceleratorCatalog.Default().Open("cpu");
        var replayed = Diverge(acc, reportEveryBatch: false, out var a);
        var direct = Diverge(acc, reportEveryBatch: true, out var b);
        using (a)
        using (b)
        {
            TestContext.Out.WriteLine(replayed.Message);
            Assert.That(replayed.Epoch, Is.EqualTo(1));
            Assert.That(replayed.FirstBatch, Is.EqualTo(replayed.LastBatch), "pinned to one batch");
            Assert.That(replayed.FirstBatch, Is.EqualTo(direct.FirstBatch));
            Assert.That(replayed.Message, Does.Contain($"epoch 1, batch {replayed.Batch} of 16").And.Contain("lower learning rate than 100"));

            Assert.That(a.EpochsDone, Is.Zero);
            Assert.That(a.State.EpochsDone, Is.Zero, "the last good state is kept");
            var now = a.Network.ExportParameters();
            for (int i = 0; i < now.Length; i++)
            {
                Assert.That(now[i], Is.EqualTo(a.State.Parameters[i]), "the device is back at the last good state");
                Assert.That(now[i].All(float.IsFinite));
            }
        }
    }

    [TestCaseSource(typeof(GpuDigits.Tests.Engine.TestAccelerators), nameof(GpuDigits.Tests.Engine.TestAccelerators.OpenCl))]
    public void DivergenceOnOpenClIsCaughtEvenWhereTheLossStaysFinite(string opencl)
    {
        // The OpenCL softmax clamps log(max(p, 1e-30)): a network full of NaN shows a finite loss of about 69 there,
        // so only the parameter check can see it.
        using var acc = GpuDigits.Tests.Ilgpu.IlgpuTestDevice.OpenOrIgnore(opencl);
        var e = Diverge(acc, reportEveryBatch: false, out var trainer);
        using (trainer)
        {
            TestContext.Out.WriteLine(e.Message);
            Assert.That(e.Epoch, Is.EqualTo(1));
            Assert.That(e.FirstBatch, Is.EqualTo(e.LastBatch));
            Assert.That(trainer.Network.ExportParameters().All(p => p.All(float.IsFinite)));
        }
    }
}

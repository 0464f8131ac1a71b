using GpuDigits.Data;
using GpuDigits.Model;
using GpuDigits.Model.Training;
using GpuDigits.Tests.Engine;
using NUnit.Framework;

namespace GpuDigits.Tests.Model;

/// <summary>
/// The same training run (seed, data, options) on every selected accelerator lands where the managed CPU backend does.
/// Kernels sum in different orders, so the runs drift apart slowly; after two short epochs the losses agree to 2 %
/// and the test accuracies to one percentage point.
/// </summary>
[TestFixture]
public sealed class DeviceTrainingParityTests : AcceleratorFixture
{
    /// <summary>
    /// Two epochs of 3,000 images; on ILGPU's CPU accelerator (a simulator, about 1 s per step) one epoch of 512, the
    /// run <c>train --device ilgpu-cpu --train-limit 512 --test-limit 512 --epochs 1</c> makes.
    /// </summary>
    private static (int Train, int Test, int Epochs) Size(string device) =>
        TestAccelerators.Family(device) == "ilgpu-cpu" ? (512, 512, 1) : (3000, 500, 2);

    private static EpochMetrics[] Train(GpuDigits.Engine.Accelerator accelerator, (int Train, int Test, int Epochs) size)
    {
        var data = MnistDataset.Load(TestData.MnistDirectory());
        var train = data.Train.Take(size.Train);
        var test = data.Test.Take(size.Test);
        var options = new TrainingOptions { Epochs = size.Epochs, Seed = 9 };
        using var trainer = new Trainer(accelerator, NetworkSpec.Default, options, train, test, Normalization.FromImages(train.Images));
        var history = new List<EpochMetrics>();
        trainer.Run(history.Add);
        return history.ToArray();
    }

    /// <summary>The selected accelerators other than the CPU, which is the reference here.</summary>
    public static IEnumerable<string> Devices() => TestAccelerators.Selected().Where(d => TestAccelerators.Family(d) != "cpu");

    [Test]
    public void TrainingMatchesTheCpuAccelerator([ValueSource(nameof(Devices))] string device)
    {
        var other = Train(Device(device), Size(device));
        var cpu = Train(Device("cpu"), Size(device));
        for (int e = 0; e < cpu.Length; e++)
        {
            Assert.That(other[e].TrainLoss, Is.EqualTo(cpu[e].TrainLoss).Within(2).Percent, $"epoch {e + 1} train loss");
            Assert.That(other[e].TestLoss, Is.EqualTo(cpu[e].TestLoss).Within(2).Percent, $"epoch {e + 1} test loss");
            Assert.That(other[e].TestAccuracy, Is.EqualTo(cpu[e].TestAccuracy).Within(0.01), $"epoch {e + 1} test accuracy");
        }
        Assert.That(other[^1].Device, Does.StartWith(TestAccelerators.Family(device)));
    }
}

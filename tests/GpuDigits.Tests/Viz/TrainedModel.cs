using GpuDigits.Data;
using GpuDigits.Engine;
using GpuDigits.Model;
using GpuDigits.Model.Persistence;
using GpuDigits.Model.Training;

namespace GpuDigits.Tests.Viz;

/// <summary>
/// A classifier trained briefly on real MNIST (10,000 images, 2 epochs, CPU, seed 1), trained once per test run and
/// shared by the tests that need a model that really recognizes digits; with its saved file.
/// </summary>
internal static class TrainedModel
{
    public const int TrainImages = 10_000;
    public const int Epochs = 2;

    private static readonly Lazy<(ModelFile Model, string Path, EpochMetrics Last)> Trained = new(Train, LazyThreadSafetyMode.ExecutionAndPublication);

    public static ModelFile Model => Trained.Value.Model;

    /// <summary>The model saved as a .gdm file in a temporary folder (deleted when the test process exits).</summary>
    public static string Path => Trained.Value.Path;

    public static EpochMetrics LastEpoch => Trained.Value.Last;

    public static MnistSplit Test => TestSplit.Value;

    private static readonly Lazy<MnistSplit> TestSplit = new(() => MnistDataset.LoadTest(TestData.MnistDirectory()));

    private static (ModelFile, string, EpochMetrics) Train()
    {
        var data = MnistDataset.Load(TestData.MnistDirectory());
        var train = data.Train.Take(TrainImages);
        var test = data.Test.Take(1000);
        var normalization = Normalization.FromImages(train.Images);
        using var acc = AcceleratorCatalog.Default().Open("cpu");
        using var trainer = new Trainer(acc, NetworkSpec.Default, new TrainingOptions { Epochs = Epochs, Seed = 1 }, train, test, normalization);
        EpochMetrics? last = null;
        trainer.Run(m => last = m);
        var model = ModelFile.FromNetwork(trainer.Network, normalization, new Dictionary<string, string> { ["epoch"] = Epochs.ToString() });

        var folder = Directory.CreateTempSubdirectory("gpudigits-model-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(folder, recursive: true); }
            catch (IOException) { }
        };
        string path = System.IO.Path.Combine(folder, "model.gdm");
        ModelFormat.Save(model, path);
        return (model, path, last!);
    }
}

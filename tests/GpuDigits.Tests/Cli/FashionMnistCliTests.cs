using GpuDigits.Cli;
using GpuDigits.Model.Persistence;
using GpuDigits.Reports.Evaluation;
using GpuDigits.Tests.Data;
using GpuDigits.Tests.Viz;
using NUnit.Framework;

namespace GpuDigits.Tests.Cli;

/// <summary>
/// One short Fashion-MNIST run through the command line: the model records its data set, evaluate and predict use it
/// and name the classes, and a resume cannot switch data sets.
/// </summary>
[NonParallelizable]
public class FashionMnistCliTests
{
    private static TempFolder _temp = null!;
    private static string _run = "";

    [OneTimeSetUp]
    public static void Train()
    {
        string data = TestData.FashionMnistDirectory();
        _temp = new TempFolder();
        _run = _temp.File("run");
        var (code, _, err) = CliRunner.Run("train", "--dataset", "fashion-mnist", "--data", data, "--device", "cpu",
            "--train-limit", "3000", "--test-limit", "500", "--epochs", "2", "--out", _run);
        Assert.That(code, Is.Zero, err);
    }

    [OneTimeTearDown]
    public static void Clean() => _temp?.Dispose();

    [Test]
    public void TheModelRecordsItsDataSet()
    {
        var model = ModelFormat.Load(Path.Combine(_run, "model.gdm"));
        Assert.That(model.DataSetName, Is.EqualTo("fashion-mnist"));
        Assert.That(CheckpointFormat.Load(Path.Combine(_run, CheckpointFormat.FileName)).Run.DataSet, Is.EqualTo("fashion-mnist"));
        // Well above chance (10 %) after two epochs on 3,000 images: it learned clothing, not noise.
        Assert.That(double.Parse(model.Metadata["test_accuracy"], System.Globalization.CultureInfo.InvariantCulture), Is.GreaterThan(0.6));
    }

    [Test]
    public void EvaluateUsesTheModelsDataSetAndNamesTheClasses()
    {
        string outDir = _temp.File("eval");
        var (code, output, err) = CliRunner.Run("evaluate", "--model", Path.Combine(_run, "model.gdm"), "--device", "cpu",
            "--data", TestData.FashionMnistDirectory(), "--out", outDir, "--test-limit", "500");
        Assert.That(code, Is.Zero, err);
        Assert.That(output, Does.Contain("500 Fashion-MNIST test images").And.Contain("9 Ankle boot").And.Contain("0 T-shirt/top"));
        var perClass = EvaluationCsv.ReadPerClass(Path.Combine(outDir, "model-per-class.csv"));
        Assert.That(perClass.Select(c => c.Name), Is.EqualTo(GpuDigits.Data.DataSet.FashionMnist.ClassNames));
    }

    [Test]
    public void PredictNamesTheClass()
    {
        var (code, output, err) = CliRunner.Run("predict", "--model", Path.Combine(_run, "model.gdm"), "--device", "cpu",
            "--data", TestData.FashionMnistDirectory(), "--index", "0");
        Assert.That(code, Is.Zero, err);
        // Test image 0 of Fashion-MNIST is an ankle boot.
        Assert.That(output, Does.Contain("Fashion-MNIST test image 0 (label 9 Ankle boot)"));
        Assert.That(output, Does.Contain("class"));
    }

    [Test]
    public void TheOnnxExportAndTheConfusionCsvCarryTheNames()
    {
        string onnx = _temp.File("model.onnx");
        var (code, output, err) = CliRunner.Run("export", "--model", Path.Combine(_run, "model.gdm"), "-o", onnx);
        Assert.That(code, Is.Zero, output + err);
        using (var session = new Microsoft.ML.OnnxRuntime.InferenceSession(onnx))
            Assert.That(System.Text.Json.JsonSerializer.Deserialize<string[]>(session.ModelMetadata.CustomMetadataMap["class_names"]),
                Is.EqualTo(GpuDigits.Data.DataSet.FashionMnist.ClassNames));

        string outDir = _temp.File("eval-names");
        (code, _, err) = CliRunner.Run("evaluate", "--model", Path.Combine(_run, "model.gdm"), "--device", "cpu",
            "--data", TestData.FashionMnistDirectory(), "--out", outDir, "--test-limit", "200");
        Assert.That(code, Is.Zero, err);
        var lines = File.ReadAllLines(Path.Combine(outDir, "model-confusion.csv"));
        Assert.That(lines[0], Does.StartWith("actual,name,0,1,"));
        Assert.That(lines[10], Does.StartWith("9,Ankle boot,"));
        Assert.That(EvaluationCsv.ReadConfusion(Path.Combine(outDir, "model-confusion.csv")).Classes, Is.EqualTo(10));
    }

    [Test]
    public void TheCnnTrainsTwentyEpochsOnFashionMnistByDefault()
    {
        var (code, output, err) = CliRunner.Run("train", "--dataset", "fashion-mnist", "--arch", "cnn", "--data", TestData.FashionMnistDirectory(),
            "--device", "cpu", "--train-limit", "64", "--test-limit", "32", "--out", _temp.File("cnn20"));
        Assert.That(code, Is.Zero, err);
        Assert.That(output, Does.Contain("20 epochs").And.Contain("epoch  20 "));
        Assert.That(ModelFormat.Load(Path.Combine(_temp.File("cnn20"), "model.gdm")).Metadata["epochs"], Is.EqualTo("20"));
    }

    [Test]
    public void AResumeKeepsItsDataSet()
    {
        var (code, _, err) = CliRunner.Run("train", "--resume", _run, "--dataset", "mnist");
        Assert.That(code, Is.EqualTo(ExitCodes.Usage), err);
        Assert.That(err, Does.Contain("--dataset (the run uses fashion-mnist)"));
    }

    [Test]
    public void AnUnknownDataSetIsAUsageError()
    {
        var (code, _, err) = CliRunner.Run("train", "--dataset", "cifar-10", "--out", _temp.File("never"));
        Assert.That(code, Is.EqualTo(ExitCodes.Usage), err);
        Assert.That(err, Does.Contain("--dataset must be one of mnist, fashion-mnist, folder; got 'cifar-10'"));
        Assert.That(Directory.Exists(_temp.File("never")), Is.False);
    }
}

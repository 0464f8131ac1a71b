using GpuDigits.Cli;
using GpuDigits.Model.Persistence;
using GpuDigits.Reports.Evaluation;
using GpuDigits.Tests.Data;
using GpuDigits.Tests.Viz;
using NUnit.Framework;

namespace GpuDigits.Tests.Cli;

/// <summary>
/// A data folder of one's own through the command line: three of MNIST's digits relabeled 0, 1, 2 and named in a
/// classes.txt train (found by the classes.txt alone), evaluate and predict with their names, also from the model
/// alone; a folder whose names disagree with its labels, or with the model's, is refused in one line.
/// </summary>
[NonParallelizable]
public class OwnDataSetCliTests
{
    private static readonly string[] Names = ["zero", "one", "seven"];
    private static TempFolder _temp = null!;
    private static string _data = "", _run = "", _trainOutput = "";

    [OneTimeSetUp]
    public static void Train()
    {
        _temp = new TempFolder();
        var mnist = GpuDigits.Data.MnistDataset.Load(TestData.MnistDirectory());
        _data = OwnDataFolder.Write(_temp.File("digits-017"), OwnDataFolder.Digits(mnist.Train, [0, 1, 7], 3000),
            OwnDataFolder.Digits(mnist.Test, [0, 1, 7], 600), Names);
        _run = _temp.File("run");
        var (code, output, err) = CliRunner.Run("train", "--data", _data, "--device", "cpu", "--epochs", "2", "--out", _run);
        Assert.That(code, Is.Zero, err);
        _trainOutput = output;
    }

    private static string Model => Path.Combine(_run, "model.gdm");

    [OneTimeTearDown]
    public static void Clean() => _temp?.Dispose();

    [Test]
    public void TheRunHasOneOutputPerClassAndRecordsTheNames()
    {
        var model = ModelFormat.Load(Path.Combine(_run, "model.gdm"));
        Assert.That(model.Spec.Classes, Is.EqualTo(3));
        Assert.That((model.DataSetName, model.ClassNames), Is.EqualTo(("folder", Names)));
        Assert.That(double.Parse(model.Metadata["test_accuracy"], System.Globalization.CultureInfo.InvariantCulture), Is.GreaterThan(0.97));
        var checkpoint = CheckpointFormat.Load(Path.Combine(_run, CheckpointFormat.FileName));
        Assert.That((checkpoint.Run.DataSet, checkpoint.Run.ClassNames), Is.EqualTo(("folder", Names)));
        Assert.That(_trainOutput, Does.Contain("784-128-128-3").And.Contain("3,000 training image"));
        Assert.That(_trainOutput, Does.Match(@"Weakest classes on the test set: \d (zero|one|seven) [\d.]+ %, \d (zero|one|seven) [\d.]+ %; strongest: \d (zero|one|seven) [\d.]+ %\."));
    }

    [Test]
    public void EvaluateAndPredictNameTheClasses()
    {
        string outDir = _temp.File("eval");
        var (code, output, err) = CliRunner.Run("evaluate", "--model", Model, "--data", _data, "--device", "cpu", "--out", outDir);
        Assert.That(code, Is.Zero, err);
        Assert.That(output, Does.Contain("600 digits-017 test images").And.Contain("2 seven").And.Contain("0 zero"));
        Assert.That(EvaluationCsv.ReadPerClass(Path.Combine(outDir, "model-per-class.csv")).Select(c => c.Name), Is.EqualTo(Names));
        Assert.That(File.ReadLines(Path.Combine(outDir, "model-confusion.csv")).Select(l => l.Split(',')[1]),
            Is.EqualTo(new[] { "name", "zero", "one", "seven" }));

        (code, output, err) = CliRunner.Run("predict", "--model", Model, "--data", _data, "--index", "0", "--device", "cpu");
        Assert.That(code, Is.Zero, err);
        Assert.That(output, Does.Match(@"digits-017 test image 0 \(label \d (zero|one|seven)\)"));
    }

    [Test]
    public void TheOnnxExportCarriesTheNames()
    {
        string onnx = _temp.File("model.onnx");
        var (code, output, err) = CliRunner.Run("export", "--model", Model, "-o", onnx);
        Assert.That(code, Is.Zero, output + err);
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(onnx);
        var meta = session.ModelMetadata.CustomMetadataMap;
        Assert.That(meta["class_names"], Is.EqualTo("[\"zero\",\"one\",\"seven\"]"));
        Assert.That(meta["dataset"], Is.EqualTo("folder"));
    }

    [Test]
    public void APictureIsNamedFromTheModelAlone()
    {
        string seven = TestData.SevenPng;
        var (code, output, err) = CliRunner.Run("predict", "--model", Model, "--image", seven, "--device", "cpu");
        Assert.That(code, Is.Zero, output + err);
        Assert.That(output, Does.Contain("Prediction: 2 seven"));
        (code, output, err) = CliRunner.Run("predict", "--model", Model, "--image", seven, "--dataset", "folder", "--device", "cpu");
        Assert.That(code, Is.Zero, output + err);
        Assert.That(output, Does.Contain("Prediction: 2 seven"), "--dataset folder names it from the model too");
    }

    [Test]
    public void ItsTestFilesAloneTakeTheModelsNames()
    {
        using var temp = new TempFolder();
        var folder = CopyOfTheIdxFiles(temp, "plain");
        var (code, output, err) = CliRunner.Run("evaluate", "--model", Model, "--data", folder, "--device", "cpu", "--out", temp.File("eval"));
        Assert.That(code, Is.Zero, err);
        Assert.That(output, Does.Contain("1 one"));
    }

    [Test]
    public void WithoutItsFolderEvaluateSaysToGiveIt()
    {
        var (code, _, err) = CliRunner.Run("evaluate", "--model", Model, "--device", "cpu", "--out", _temp.File("no-data"));
        Assert.That(code, Is.EqualTo(ExitCodes.Usage), err);
        Assert.That(CliRunner.ErrorLines(err), Has.Length.EqualTo(1));
        Assert.That(err, Does.Contain("give --data DIR"));
    }

    [Test]
    public void NamesThatDisagreeWithTheModelAreRefused()
    {
        using var temp = new TempFolder();
        var folder = CopyOfTheIdxFiles(temp, "renamed");
        File.WriteAllLines(Path.Combine(folder, "classes.txt"), ["zero", "one", "two"]);
        var (code, _, err) = CliRunner.Run("evaluate", "--model", Model, "--data", folder, "--device", "cpu", "--out", temp.File("eval"));
        Assert.That(code, Is.Not.Zero);
        Assert.That(err, Does.Contain("calls class 2 'seven', but renamed's classes.txt calls it 'two'"));
        Assert.That(Directory.Exists(temp.File("eval")), Is.False, "nothing written");
    }

    [Test]
    public void NamesThatDisagreeWithTheLabelsStopTrainingBeforeAnyRunFolder()
    {
        using var temp = new TempFolder();
        var folder = CopyOfTheIdxFiles(temp, "short");
        File.WriteAllLines(Path.Combine(folder, "classes.txt"), ["zero", "one"]);
        var (code, _, err) = CliRunner.Run("train", "--data", folder, "--device", "cpu", "--epochs", "1", "--out", temp.File("run"));
        Assert.That(code, Is.Not.Zero);
        Assert.That(CliRunner.ErrorLines(err), Has.Length.EqualTo(1));
        Assert.That(err, Does.Contain("label 2 at index").And.Contain("classes.txt names only classes 0..1"));
        Assert.That(Directory.Exists(temp.File("run")), Is.False, "the run folder is removed");
    }

    [Test]
    public void MoreThanTenClassesTrainAsACnnAndResume()
    {
        using var temp = new TempFolder();
        var folder = OwnDataFolder.Write(temp.File("bars"), OwnDataFolder.Bars(12, 1200, seed: 1), OwnDataFolder.Bars(12, 240, seed: 2));
        string run = temp.File("run");
        var (code, output, err) = CliRunner.Run("train", "--dataset", "folder", "--data", folder, "--arch", "cnn", "--device", "cpu",
            "--epochs", "1", "--out", run);
        Assert.That(code, Is.Zero, err);
        Assert.That(output, Does.Contain("-12 ").Or.Contain("-12)"));
        (code, output, err) = CliRunner.Run("train", "--resume", run, "--epochs", "2");
        Assert.That(code, Is.Zero, err);
        var model = ModelFormat.Load(Path.Combine(run, "model.gdm"));
        Assert.That((model.Spec.Classes, model.Metadata["epoch"], model.ClassNames), Is.EqualTo((12, "2", (IReadOnlyList<string>?)null)));
        Assert.That(double.Parse(model.Metadata["test_accuracy"], System.Globalization.CultureInfo.InvariantCulture), Is.GreaterThan(0.9));
        Assert.That(output, Does.Contain("Weakest classes on the test set: "));
    }

    [Test]
    public void DatasetFolderWithoutDataIsAUsageError()
    {
        var (code, _, err) = CliRunner.Run("train", "--dataset", "folder", "--device", "cpu", "--out", _temp.File("nowhere"));
        Assert.That(code, Is.EqualTo(ExitCodes.Usage), err);
        Assert.That(err, Does.Contain("give --data DIR"));
        Assert.That(Directory.Exists(_temp.File("nowhere")), Is.False);
    }

    /// <summary>A new folder in <paramref name="temp"/> with the data folder's four IDX files and no classes.txt.</summary>
    private static string CopyOfTheIdxFiles(TempFolder temp, string name)
    {
        var folder = temp.File(name);
        Directory.CreateDirectory(folder);
        foreach (var file in Directory.GetFiles(_data, "*-ubyte")) File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        return folder;
    }
}

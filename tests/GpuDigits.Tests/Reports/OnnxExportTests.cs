using GpuDigits.Cli;
using GpuDigits.Data;
using GpuDigits.Engine;
using GpuDigits.Model.Persistence;
using GpuDigits.Tests.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using NUnit.Framework;

namespace GpuDigits.Tests.Reports;

/// <summary>
/// An exported model (the MLP with every activation, and the CNN) run by ONNX Runtime on the 10,000 test images gives our logits, within
/// |ours - onnx| &lt;= 1e-4 (1 + |ours|) (sums in another order), and exactly our predictions.
/// </summary>
[NonParallelizable]
public sealed class OnnxExportTests
{
    /// <summary>The MLP with every hidden activation, and the CNN.</summary>
    public static IEnumerable<TestCaseData> Models() =>
        [.. ActivationNames.HiddenNames.Select(a => new TestCaseData("mlp", a)), new TestCaseData("cnn", "relu")];

    [TestCaseSource(nameof(Models))]
    public void OnnxRuntimeGivesOurLogitsOnTheTestSet(string arch, string activation)
    {
        using var temp = new TempFolder();
        var run = temp.File("run");
        var (code, _, err) = Viz.CliRunner.Run("train", "--arch", arch, "--activation", activation, "--device", "cpu", "--data", TestData.MnistDirectory(),
            "--train-limit", "1024", "--test-limit", "128", "--epochs", "1", "--out", run);
        Assert.That(code, Is.EqualTo(ExitCodes.Success), err);
        var modelPath = Path.Combine(run, "model.gdm");
        var onnxPath = temp.File("model.onnx");
        (code, var output, err) = Viz.CliRunner.Run("export", "--model", modelPath, "-o", onnxPath);
        Assert.That(code, Is.EqualTo(ExitCodes.Success), output + err);

        var test = MnistDataset.Load(TestData.MnistDirectory()).Test;
        var model = ModelFormat.Load(modelPath);
        int n = test.Count, features = test.Rows * test.Cols, classes = model.Spec.Classes;

        // Ours: the network on the CPU backend, normalized as training does.
        using var acc = AcceleratorCatalog.Default().Open("cpu");
        using var net = model.CreateNetwork(acc, n);
        float inv = (float)(1 / model.Normalization.Std), mean = (float)model.Normalization.Mean;
        var x = new float[n * features];
        for (int i = 0; i < x.Length; i++) x[i] = (test.Images[i] * (1f / 255f) - mean) * inv;
        using var dx = acc.Upload<float>(x);
        var ours = net.Forward(dx, n).ToArray()[..(n * classes)];

        // ONNX Runtime on the raw pixels / 255.
        var pixels = new DenseTensor<float>(test.Images.Select(b => b / 255f).ToArray(), [n, features]);
        using var session = new InferenceSession(onnxPath);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("pixels", pixels)]);
        var theirs = results.First(r => r.Name == "logits").AsEnumerable<float>().ToArray();

        Assert.That(theirs, Has.Length.EqualTo(ours.Length));
        double worst = 0;
        int agree = 0;
        for (int i = 0; i < ours.Length; i++)
            worst = Math.Max(worst, Math.Abs(ours[i] - theirs[i]) / (1 + Math.Abs(ours[i])));
        for (int r = 0; r < n; r++)
        {
            int a = ArgMax(ours.AsSpan(r * classes, classes)), b = ArgMax(theirs.AsSpan(r * classes, classes));
            if (a == b) agree++;
        }
        TestContext.Out.WriteLine($"{arch}: max |ours - onnx| / (1 + |ours|) = {worst:G3}; predictions agree on {agree} of {n}");
        Assert.That(worst, Is.LessThanOrEqualTo(1e-4));
        Assert.That(agree, Is.EqualTo(n), "the same predicted class for every test image");
    }

    private static int ArgMax(ReadOnlySpan<float> row)
    {
        int best = 0;
        for (int i = 1; i < row.Length; i++) if (row[i] > row[best]) best = i;
        return best;
    }
}

using GpuDigits.Cli;
using GpuDigits.Engine;
using GpuDigits.Model;
using GpuDigits.Model.Persistence;
using GpuDigits.Tests.Data;
using GpuDigits.Tests.Engine;
using NUnit.Framework;

namespace GpuDigits.Tests.Model;

/// <summary>
/// The CNN of the second tutorial everywhere the MLP goes: its model file (versioned by a required CONV section; MLP
/// files unchanged), the same forward and backward pass on every device, and train / resume / evaluate / predict /
/// the sheet through the command line.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class CnnTests : AcceleratorFixture
{
    private static readonly NetworkSpec Small = new NetworkSpec(100, [6], 3, Activation.Relu) { ConvFilters = [3, 4] };

    [Test]
    public void ACnnModelFileRoundTripsAndAnMlpFileHasNoConvolutionSection()
    {
        using var acc = AcceleratorCatalog.Default().Open("cpu");
        using var net = new Network(acc, NetworkSpec.Cnn, 4);
        net.Initialize(new SeededRandom(5));
        var model = ModelFile.FromNetwork(net, new GpuDigits.Data.Normalization(0.13, 0.31), new Dictionary<string, string>());
        var bytes = ModelFormat.Serialize(model);
        var back = ModelFormat.Deserialize(bytes, "cnn.gdm");
        Assert.That(back.Spec.SameShape(NetworkSpec.Cnn), Is.True, back.Spec.ToString());
        Assert.That(back.Spec.ToString(), Is.EqualTo("cnn conv32-conv64-1600-128-10 relu"));
        Assert.That(back.Parameters.Select(p => p.Length), Is.EqualTo(new[] { 288, 32, 18432, 64, 204800, 128, 1280, 10 }));
        Assert.That(back.Parameters.Zip(model.Parameters).All(p => p.First.SequenceEqual(p.Second)), Is.True);
        Assert.That(ModelFormat.ReadSections(bytes, "cnn.gdm").Any(s => s.Tag == ModelFormat.ConvolutionTag && s.Required), Is.True);

        using var mlp = new Network(acc, NetworkSpec.Default, 4);
        var mlpBytes = ModelFormat.Serialize(ModelFile.FromNetwork(mlp, new GpuDigits.Data.Normalization(0.13, 0.31), new Dictionary<string, string>()));
        Assert.That(ModelFormat.ReadSections(mlpBytes, "mlp.gdm").Select(s => s.Tag), Does.Not.Contain(ModelFormat.ConvolutionTag));
    }

    [Test]
    public void AConvolutionSectionThatDoesNotFitItsImagesIsRefused()
    {
        using var acc = AcceleratorCatalog.Default().Open("cpu");
        using var net = new Network(acc, Small, 2);
        var bytes = ModelFormat.Serialize(ModelFile.FromNetwork(net, new GpuDigits.Data.Normalization(0, 1), new Dictionary<string, string>()));
        // Three stages on 10 x 10 images: the third would slide a 3 x 3 filter over a 1 x 1 map.
        var payload = new byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(payload, 3);
        for (int i = 0; i < 3; i++) System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(4 + 4 * i), 3);
        var sections = ModelFormat.ReadSections(bytes, "small.gdm")
            .Select(s => s.Tag == ModelFormat.ConvolutionTag ? new ModelSection(s.Tag, true, payload) : s).ToList();
        var forged = ModelFormat.Assemble(sections, ModelFormat.Version);
        var e = Assert.Throws<ModelFormatException>(() => ModelFormat.Deserialize(forged, "forged.gdm"))!;
        Assert.That(e.Message, Does.Contain("do not fit its images"));
    }

    /// <summary>The same batch through the same CNN on each device: logits and every gradient agree with the CPU twin.</summary>
    [Test]
    public void TheCnnComputesTheSameOnEveryDevice([ValueSource(typeof(TestAccelerators), nameof(TestAccelerators.Selected))] string device)
    {
        const int rows = 5;
        var random = new Random(3);
        var x = Enumerable.Range(0, rows * Small.Inputs).Select(_ => (float)random.NextDouble()).ToArray();
        int[] labels = [0, 1, 2, 1, 0];
        (float[] Logits, float[][] Gradients) Run(Accelerator acc)
        {
            using var net = new Network(acc, Small, rows);
            net.Initialize(new SeededRandom(9));
            using var dx = acc.Upload<float>(x);
            using var dl = acc.Upload<int>(labels);
            using var stats = acc.Upload<float>([0f, 0f]);
            var logits = net.Forward(dx, rows).ToArray()[..(rows * Small.Classes)];
            net.Loss(dl, rows, stats, withGradient: true);
            net.Backward(dx, rows);
            return (logits, net.Parameters.Select(p => p.Gradient.ToArray()).ToArray());
        }
        var other = Run(Device(device));
        var cpu = Run(Device("cpu"));
        Verify.Elementwise("logits", other.Logits, cpu.Logits.Select(v => (double)v).ToArray(), absolute: 1e-5, relative: 1e-4);
        for (int i = 0; i < cpu.Gradients.Length; i++)
            Verify.Elementwise($"gradient {i}", other.Gradients[i], cpu.Gradients[i].Select(v => (double)v).ToArray(), absolute: 1e-5, relative: 1e-3);
    }

    private static string[] Train(string dir, params string[] more) =>
        ["train", "--arch", "cnn", "--device", "cpu", "--data", TestData.MnistDirectory(), "--train-limit", "512",
         "--test-limit", "256", "--seed", "4", "--out", dir, .. more];

    [Test]
    public void TrainResumeEvaluatePredictAndTheSheetWorkOnACnn()
    {
        using var temp = new TempFolder();
        var whole = temp.File("whole");
        var (code, output, err) = Viz.CliRunner.Run(Train(whole, "--epochs", "2"));
        Assert.That(code, Is.EqualTo(ExitCodes.Success), output + err);
        Assert.That(output, Does.Contain("cnn conv32-conv64-1600-128-10").And.Contain("adam"));

        var resumed = temp.File("resumed");
        Assert.That(Viz.CliRunner.Run(Train(resumed, "--epochs", "1")).Code, Is.EqualTo(ExitCodes.Success));
        (code, _, err) = Viz.CliRunner.Run("train", "--resume", resumed, "--epochs", "2");
        Assert.That(code, Is.EqualTo(ExitCodes.Success), err);
        var a = GpuDigits.Model.Persistence.MetricsCsvReader.Read(Path.Combine(whole, "metrics.csv"));
        var b = GpuDigits.Model.Persistence.MetricsCsvReader.Read(Path.Combine(resumed, "metrics.csv"));
        Assert.That(b.Select(m => (m.TrainLoss, m.TestLoss, m.TestAccuracy)), Is.EqualTo(a.Select(m => (m.TrainLoss, m.TestLoss, m.TestAccuracy))),
            "a resumed CNN run is bit-identical to an uninterrupted one");
        Assert.That(File.ReadAllBytes(Path.Combine(resumed, "model.gdm")).Length, Is.EqualTo(File.ReadAllBytes(Path.Combine(whole, "model.gdm")).Length));
        Assert.That(ModelFormat.Load(Path.Combine(resumed, "model.gdm")).Parameters.Zip(ModelFormat.Load(Path.Combine(whole, "model.gdm")).Parameters)
            .All(p => p.First.SequenceEqual(p.Second)), Is.True, "same weights");

        var model = Path.Combine(whole, "model.gdm");
        var sheet = temp.File("sheet.svg");
        (code, output, err) = Viz.CliRunner.Run("evaluate", "--model", model, "--device", "cpu", "--data", TestData.MnistDirectory(),
            "--test-limit", "300", "--out", temp.File("eval"), "--sheet", sheet);
        Assert.That(code, Is.EqualTo(ExitCodes.Success), output + err);
        Assert.That(File.Exists(sheet), Is.True);
        (code, output, err) = Viz.CliRunner.Run("predict", "--model", model, "--device", "cpu", "--data", TestData.MnistDirectory(), "--index", "0");
        Assert.That(code, Is.EqualTo(ExitCodes.Success), output + err);
        Assert.That(output, Does.Contain("%"));

        var filters = temp.File("filters.svg");
        (code, output, err) = Viz.CliRunner.Run("filters", "--model", model, "--index", "3", "-o", filters, "--data", TestData.MnistDirectory());
        Assert.That(code, Is.EqualTo(ExitCodes.Success), output + err);
        var svg = System.Xml.Linq.XDocument.Load(filters);
        Assert.That(svg.Descendants().Count(e => e.Name.LocalName == "image"), Is.EqualTo(1 + 2 * 32), "the digit, 32 filters, 32 feature maps");

        (code, _, err) = Viz.CliRunner.Run("train", "--resume", whole, "--arch", "mlp");
        Assert.That(code, Is.EqualTo(ExitCodes.Usage), "the architecture is kept on resume");
        Assert.That(err, Does.Contain("--arch"));
    }
}

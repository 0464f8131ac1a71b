using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using GpuDigits.Data;
using GpuDigits.Engine;
using GpuDigits.Files;
using GpuDigits.Model;
using GpuDigits.Model.Inference;
using GpuDigits.Model.Persistence;
using GpuDigits.Model.Training;
using GpuDigits.Tests.Data;
using GpuDigits.Tests.Images;
using GpuDigits.Tests.Viz;
using NUnit.Framework;

namespace GpuDigits.Tests.Model;

public class ModelFormatTests
{
    private TempFolder _temp = null!;

    [SetUp] public void SetUp() => _temp = new TempFolder();
    [TearDown] public void TearDown() => _temp.Dispose();

    /// <summary>A small model with distinct, deterministic parameter values.</summary>
    private static ModelFile Small(Activation activation = Activation.Tanh, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var spec = new NetworkSpec(12, [5, 4], 3, activation);
        var random = new Random(7);
        var parameters = spec.Plan.Parameters.Select(s => Enumerable.Range(0, (int)s.Length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray()).ToArray();
        return new ModelFile(spec, new Normalization(0.1307, 0.3081), parameters, metadata);
    }

    private string SaveBytes(byte[] bytes, string name = "model.gdm") => _temp.Write(name, bytes);

    private static ModelFormatException Rejects(string path)
    {
        var e = Assert.Throws<ModelFormatException>(() => ModelFormat.Load(path))!;
        Assert.That(e.Message, Does.StartWith(path + ": "));
        Assert.That(e.Message, Does.Not.Contain('\n'), "one line");
        return e;
    }

    /// <summary>Re-frames sections under a valid header and checksum (the production framing is checked separately below).</summary>
    private static byte[] Frame(IEnumerable<(string Tag, uint Flags, byte[] Payload)> sections, ushort version = 1, uint? count = null)
    {
        var list = sections.ToList();
        var body = new MemoryStream();
        body.Write("GDMODEL\0"u8);
        var word = new byte[8];
        BinaryPrimitives.WriteUInt16LittleEndian(word, version); body.Write(word, 0, 2);
        body.Write(new byte[2]);
        BinaryPrimitives.WriteUInt32LittleEndian(word, count ?? (uint)list.Count); body.Write(word, 0, 4);
        foreach (var (tag, flags, payload) in list)
        {
            body.Write(Encoding.ASCII.GetBytes(tag));
            BinaryPrimitives.WriteUInt32LittleEndian(word, flags); body.Write(word, 0, 4);
            BinaryPrimitives.WriteUInt64LittleEndian(word, (ulong)payload.Length); body.Write(word, 0, 8);
            body.Write(payload);
        }
        var content = body.ToArray();
        return [.. content, .. SHA256.HashData(content)];
    }

    /// <summary>The sections of a valid file, as (tag, flags, payload), read by hand from the documented layout.</summary>
    private static List<(string Tag, uint Flags, byte[] Payload)> Sections(byte[] file)
    {
        var result = new List<(string, uint, byte[])>();
        uint count = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(12));
        int pos = 16;
        for (int i = 0; i < count; i++)
        {
            string tag = Encoding.ASCII.GetString(file, pos, 4);
            uint flags = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(pos + 4));
            int length = (int)BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(pos + 8));
            result.Add((tag, flags, file.AsSpan(pos + 16, length).ToArray()));
            pos += 16 + length;
        }
        return result;
    }

    private static byte[] Arch(params uint[] widthsThenActivation)
    {
        var payload = new byte[4 * (widthsThenActivation.Length + 1)];
        BinaryPrimitives.WriteUInt32LittleEndian(payload, (uint)(widthsThenActivation.Length - 1));
        for (int i = 0; i < widthsThenActivation.Length; i++) BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(4 + 4 * i), widthsThenActivation[i]);
        return payload;
    }

    [Test]
    public void FileLayoutIsTheDocumentedOne()
    {
        var model = Small(metadata: new Dictionary<string, string> { ["epoch"] = "3", ["device"] = "cpu" });
        var bytes = ModelFormat.Serialize(model);

        Assert.That(bytes.AsSpan(0, 8).ToArray(), Is.EqualTo("GDMODEL\0"u8.ToArray()));
        Assert.That(BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)), Is.EqualTo(1));
        Assert.That(BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(10)), Is.EqualTo(0));
        Assert.That(bytes.AsSpan(bytes.Length - 32).ToArray(), Is.EqualTo(SHA256.HashData(bytes.AsSpan(0, bytes.Length - 32))));

        var sections = Sections(bytes);
        Assert.That(sections.Select(s => (s.Tag, s.Flags)), Is.EqualTo(new[] { ("ARCH", 1u), ("NORM", 1u), ("WGTS", 1u), ("META", 0u) }));
        Assert.That(sections[0].Payload, Is.EqualTo(Arch(12, 5, 4, 3, (uint)Activation.Tanh)));
        Assert.That(BinaryPrimitives.ReadDoubleLittleEndian(sections[1].Payload), Is.EqualTo(0.1307));
        Assert.That(BinaryPrimitives.ReadDoubleLittleEndian(sections[1].Payload.AsSpan(8)), Is.EqualTo(0.3081));
        var expectedWeights = model.Parameters.SelectMany(p => p).ToArray();
        var weights = Enumerable.Range(0, sections[2].Payload.Length / 4).Select(i => BinaryPrimitives.ReadSingleLittleEndian(sections[2].Payload.AsSpan(4 * i))).ToArray();
        Assert.That(weights, Is.EqualTo(expectedWeights), "W1 b1 W2 b2 W3 b3, float32 little-endian");
        Assert.That(Encoding.UTF8.GetString(sections[3].Payload), Is.EqualTo("device=cpu\nepoch=3\n"));
    }

    [Test]
    public void RoundTripKeepsEverythingAndIsByteStable()
    {
        var model = Small(Activation.Sigmoid, new Dictionary<string, string> { ["test_accuracy"] = "0.97", ["note"] = "caf\u00e9 = ok" });
        string path = _temp.File("m.gdm");
        ModelFormat.Save(model, path);
        var loaded = ModelFormat.Load(path);

        Assert.That(loaded.Spec.Widths, Is.EqualTo(model.Spec.Widths));
        Assert.That(loaded.Spec.Activation, Is.EqualTo(Activation.Sigmoid));
        Assert.That(loaded.Normalization, Is.EqualTo(model.Normalization));
        Assert.That(loaded.Parameters, Is.EqualTo(model.Parameters));
        Assert.That(loaded.Metadata, Is.EquivalentTo(model.Metadata));
        Assert.That(ModelFormat.Serialize(loaded), Is.EqualTo(File.ReadAllBytes(path)));
        Assert.That(_temp.Entries(), Is.EqualTo(new[] { "m.gdm" }), "no temporary file is left behind");
    }

    [Test]
    public void ATrainedModelGivesTheSamePredictionsAfterSaveAndLoad()
    {
        var data = MnistDataset.Load(TestData.MnistDirectory());
        var (train, test) = (data.Train.Take(3000), data.Test.Take(500));
        var normalization = Normalization.FromImages(train.Images);
        using var acc = AcceleratorCatalog.Default().Open("cpu");
        using var trainer = new Trainer(acc, NetworkSpec.Default, new TrainingOptions { Epochs = 1 }, train, test, normalization);
        var epoch = trainer.RunEpoch();

        string path = _temp.File("model.gdm");
        ModelFormat.Save(ModelFile.FromNetwork(trainer.Network, normalization), path);
        var loaded = ModelFormat.Load(path);
        using var before = new Classifier(acc, ModelFile.FromNetwork(trainer.Network, normalization));
        using var after = new Classifier(acc, loaded);
        var a = before.Classify(test);
        var b = after.Classify(test);

        Assert.That(b.Predicted, Is.EqualTo(a.Predicted));
        for (int i = 0; i < test.Count; i++)
            Assert.That(b.ProbabilitiesOf(i).ToArray(), Is.EqualTo(a.ProbabilitiesOf(i).ToArray()), $"image {i}");
        Assert.That(b.Accuracy, Is.EqualTo(epoch.TestAccuracy).Within(1e-9), "the device evaluation of the loaded model matches the trainer's");
        Assert.That(b.Loss, Is.EqualTo(epoch.TestLoss).Within(1e-6));
        Assert.That(b.Accuracy, Is.GreaterThan(0.8), "it really learned something");
    }

    [Test]
    public void WrongMagicIsRefused()
    {
        var bytes = ModelFormat.Serialize(Small());
        bytes[0] = (byte)'X';
        Assert.That(Rejects(SaveBytes(bytes)).Message, Does.Contain("not a GpuDigits model file"));
        Assert.That(Rejects(SaveBytes(Encoding.ASCII.GetBytes("epoch,train_loss\n1,0.5\n"), "metrics.gdm")).Message, Does.Contain("not a GpuDigits model file"));
    }

    [TestCase((ushort)2, "version 2; this build reads version 1. Use a newer gpudigits")]
    [TestCase((ushort)0, "unknown model format version 0")]
    [TestCase((ushort)0xFFFF, "version 65535")]
    public void UnknownVersionIsRefused(ushort version, string message)
    {
        var bytes = Frame(Sections(ModelFormat.Serialize(Small())), version);
        Assert.That(Rejects(SaveBytes(bytes)).Message, Does.Contain(message));
    }

    [Test]
    public void TruncatedFilesAreRefusedAtEveryLength()
    {
        var bytes = ModelFormat.Serialize(Small());
        int[] lengths = [0, 5, 8, 15, 16, 40, 47, 100, bytes.Length / 2, bytes.Length - 33, bytes.Length - 32, bytes.Length - 1];
        foreach (int length in lengths)
        {
            string path = SaveBytes(bytes[..length], $"cut-{length}.gdm");
            var e = Rejects(path);
            if (length >= 8) Assert.That(e.Message, Does.Contain("truncated").Or.Contain("damaged"), $"cut at {length}");
        }
        Assert.That(Rejects(SaveBytes(bytes[..(bytes.Length / 2)])).Message, Does.Contain("truncated: section WGTS declares"));
    }

    [Test]
    public void TrailingBytesAreRefused()
    {
        var bytes = ModelFormat.Serialize(Small());
        Assert.That(Rejects(SaveBytes([.. bytes, 0, 0, 0])).Message, Does.Contain("unexpected bytes").Or.Contain("damaged"));
    }

    [TestCase("header")]
    [TestCase("weights")]
    [TestCase("checksum")]
    public void AnyFlippedByteFailsTheChecksum(string where)
    {
        var bytes = ModelFormat.Serialize(Small());
        int at = where switch { "header" => 11, "weights" => bytes.Length - 32 - 40, _ => bytes.Length - 1 };
        bytes[at] ^= 0x10;
        Assert.That(Rejects(SaveBytes(bytes)).Message, Does.Contain("SHA-256 checksum does not match"));
    }

    [Test]
    public void WeightsThatDoNotMatchTheArchitectureAreASizeMismatch()
    {
        var sections = Sections(ModelFormat.Serialize(Small()));
        sections[0] = ("ARCH", 1, Arch(12, 6, 4, 3, 3)); // one more hidden unit than the weights hold
        var e = Rejects(SaveBytes(Frame(sections)));
        Assert.That(e.Message, Does.Contain("size mismatch").And.Contain("12-6-4-3 network needs"));

        sections = Sections(ModelFormat.Serialize(Small()));
        sections[2] = ("WGTS", 1, sections[2].Payload[..^4]);
        Assert.That(Rejects(SaveBytes(Frame(sections), "short.gdm")).Message, Does.Contain("size mismatch"));

        sections = Sections(ModelFormat.Serialize(Small()));
        sections[0] = ("ARCH", 1, [.. Arch(12, 5, 4, 3, 3), 0, 0, 0, 0]);
        Assert.That(Rejects(SaveBytes(Frame(sections), "arch.gdm")).Message, Does.Contain("size mismatch: ARCH declares 4 widths"));

        sections = Sections(ModelFormat.Serialize(Small()));
        sections[1] = ("NORM", 1, new byte[8]);
        Assert.That(Rejects(SaveBytes(Frame(sections), "norm.gdm")).Message, Does.Contain("size mismatch: NORM"));
    }

    [TestCase(new uint[] { 784, 1u << 30, 10, 1 }, "absurd layer width 1,073,741,824")]
    [TestCase(new uint[] { 784, 0, 10, 1 }, "absurd layer width 0")]
    [TestCase(new uint[] { 65536, 65536, 65536, 65536, 1 }, "size mismatch")] // 12.9 G parameters claimed, a few bytes held
    [TestCase(new uint[] { 784, 128, 10, 9 }, "unknown activation code 9")]
    public void AbsurdDimensionsAreRefusedWithoutAllocatingThem(uint[] arch, string problem)
    {
        var sections = Sections(ModelFormat.Serialize(Small()));
        sections[0] = ("ARCH", 1, Arch(arch));
        string path = SaveBytes(Frame(sections));
        Assert.Throws<ModelFormatException>(() => ModelFormat.Load(path)); // warm up

        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<ModelFormatException>(() => ModelFormat.Load(path))!;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.That(e.Message, Does.Contain(problem));
        Assert.That(allocated, Is.LessThan(64 * 1024 + 2 * new FileInfo(path).Length), "only the file itself and small change");
    }

    [Test]
    public void AbsurdLayerAndSectionCountsAreRefused()
    {
        var sections = Sections(ModelFormat.Serialize(Small()));
        var huge = new byte[12];
        BinaryPrimitives.WriteUInt32LittleEndian(huge, 100_000_000);
        sections[0] = ("ARCH", 1, huge);
        Assert.That(Rejects(SaveBytes(Frame(sections))).Message, Does.Contain("100,000,000 layer widths"));

        var bytes = Frame(Sections(ModelFormat.Serialize(Small())), count: 2_000_000_000);
        Assert.That(Rejects(SaveBytes(bytes, "count.gdm")).Message, Does.Contain("2,000,000,000 sections"));

        bytes = Frame(Sections(ModelFormat.Serialize(Small())), count: 9);
        Assert.That(Rejects(SaveBytes(bytes, "nine.gdm")).Message, Does.Contain("truncated"));
    }

    [Test]
    public void SectionsAreExtensible()
    {
        var sections = Sections(ModelFormat.Serialize(Small()));
        sections.Add(("OPTM", 0, [1, 2, 3]));        // optional, unknown: kept
        var loaded = ModelFormat.Deserialize(Frame(sections), "with-optional");
        Assert.That(loaded.ExtraSections.Select(s => (s.Tag, s.Required, s.Payload)), Is.EqualTo(new[] { ("OPTM", false, new byte[] { 1, 2, 3 }) }));
        Assert.That(Sections(ModelFormat.Serialize(loaded)).Select(s => s.Tag), Does.Contain("OPTM"), "written back");

        sections[^1] = ("CKPT", 1, [1]);              // required, unknown: refused
        Assert.That(Rejects(SaveBytes(Frame(sections))).Message, Does.Contain("needs section CKPT"));

        sections = Sections(ModelFormat.Serialize(Small()));
        sections.Add(sections[2]);
        Assert.That(Rejects(SaveBytes(Frame(sections), "twice.gdm")).Message, Does.Contain("2 WGTS sections"));

        sections = Sections(ModelFormat.Serialize(Small()));
        sections.RemoveAt(1);
        Assert.That(Rejects(SaveBytes(Frame(sections), "nonorm.gdm")).Message, Does.Contain("no NORM section"));
    }

    [Test]
    public void NonFiniteWeightsAndBadMetadataAreRefused()
    {
        var sections = Sections(ModelFormat.Serialize(Small()));
        BinaryPrimitives.WriteSingleLittleEndian(sections[2].Payload.AsSpan(8), float.NaN);
        Assert.That(Rejects(SaveBytes(Frame(sections))).Message, Does.Contain("non-finite value (NaN) in parameter W1 at index 2"));

        sections = Sections(ModelFormat.Serialize(Small()));
        sections.Add(("META", 0, Encoding.UTF8.GetBytes("Bad Key=1\n")));
        Assert.That(Rejects(SaveBytes(Frame(sections), "meta.gdm")).Message, Does.Contain("bad META line"));

        Assert.Throws<ArgumentException>(() => Small(metadata: new Dictionary<string, string> { ["epoch"] = "1\n2" }));
    }

    [Test]
    public void SavingReplacesTheFileAtomically()
    {
        string path = _temp.File("model.gdm");
        File.WriteAllText(path, "old");
        ModelFormat.Save(Small(), path);
        Assert.That(ModelFormat.Load(path).Spec.Widths, Is.EqualTo(new[] { 12, 5, 4, 3 }));

        // A write that fails half way leaves the old file and no temporary file.
        var before = File.ReadAllBytes(path);
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, s =>
        {
            s.Write(new byte[1000]);
            throw new InvalidOperationException("disk on fire");
        }));
        Assert.That(File.ReadAllBytes(path), Is.EqualTo(before));
        Assert.That(_temp.Entries(), Is.EqualTo(new[] { "model.gdm" }));
    }

    [Test]
    public void ModelsForOtherShapesAreNotMnistClassifiers()
    {
        var e = Assert.Throws<ModelFormatException>(() => Small().CheckMnistCompatible("small.gdm"))!;
        Assert.That(e.Message, Is.EqualTo("small.gdm: is a model for 12 inputs; MNIST images have 784 pixels"));
    }
}

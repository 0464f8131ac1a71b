using System.Security.Cryptography;
using GpuDigits.Data;
using GpuDigits.Engine;
using GpuDigits.Model;
using GpuDigits.Model.Optimizers;
using GpuDigits.Model.Persistence;
using GpuDigits.Model.Training;

namespace GpuDigits.Tools.Fuzzing;

/// <summary>
/// Model files (.gdm) and checkpoints through <see cref="ModelFormat"/> and <see cref="CheckpointFormat"/>. Half the
/// cases forge one field of the file's structure (a header, a section header, a count, a size, a code) and
/// recompute the SHA-256 trailer, so the forgery reaches the section parsers; the others damage the file at large,
/// half of them with the trailer recomputed too. Memory is bounded by the input's length.
/// </summary>
public sealed class ModelFuzzTarget : FuzzTarget
{
    private static readonly NetworkSpec Spec = new(16, [8], 10, Activation.Relu);
    private static readonly Lazy<byte[]> Model = new(() => ModelFormat.Serialize(new ModelFile(Spec,
        new Normalization(0.13, 0.31), Parameters(1), new Dictionary<string, string> { ["epoch"] = "3", ["device"] = "cpu" })));
    private static readonly Lazy<byte[]> SgdCheckpoint = new(() => CheckpointFormat.Serialize(BuildCheckpoint(OptimizerKind.Sgd)));
    private static readonly Lazy<byte[]> AdamCheckpoint = new(() => CheckpointFormat.Serialize(BuildCheckpoint(OptimizerKind.Adam)));
    private static readonly Dictionary<byte[], (int, int)[]> HotRegions = new(ReferenceEqualityComparer.Instance);

    public override string Name => "model";

    public override FuzzInput Generate(SeededRandom random)
    {
        int which = random.NextInt(5);
        var seed = which switch { 0 or 1 => Model.Value, 2 or 3 => SgdCheckpoint.Value, _ => AdamCheckpoint.Value };
        (int, int)[] hot;
        lock (HotRegions)
            if (!HotRegions.TryGetValue(seed, out hot!)) HotRegions[seed] = hot = Structure(seed);
        // Half the cases forge one field of the structure behind a valid checksum; the others damage the file at large.
        bool forge = random.NextInt(2) == 0;
        var bytes = forge
            ? Mutator.MutateField(seed, random, hot, bigEndian: false, out var how)
            : Mutator.Mutate(seed, random, seed.Length, bigEndian: false, out how, hot);
        bool reseal = (forge || random.NextInt(2) == 0) && bytes.Length >= ModelFormat.ChecksumLength;
        if (reseal) SHA256.HashData(bytes.AsSpan(0, bytes.Length - ModelFormat.ChecksumLength), bytes.AsSpan(bytes.Length - ModelFormat.ChecksumLength));
        // Variant 1 reads a checkpoint; a model file is also read as one now and then (it must be refused cleanly).
        int variant = which >= 2 ? (random.NextInt(4) == 0 ? 0 : 1) : (random.NextInt(4) == 0 ? 1 : 0);
        string kind = which switch { 0 or 1 => "model", 2 or 3 => "sgd checkpoint", _ => "adam checkpoint" };
        return new FuzzInput(bytes, $"{kind}{(reseal ? " (checksum recomputed)" : "")}: {how}", variant);
    }

    public override void Parse(FuzzInput input)
    {
        if (input.Variant == 1) CheckpointFormat.Deserialize(input.Bytes, "fuzz.gdm");
        else ModelFormat.Deserialize(input.Bytes, "fuzz.gdm");
    }

    public override bool IsExpected(Exception e) => e is ModelFormatException;

    public override long AllocationBound(FuzzInput input) => FixedAllowance + 4L * input.Bytes.Length;

    /// <summary>
    /// Where a valid file's structure is: the file header, every section header, and the payloads of every section
    /// but the two bulk float arrays (of which only the optimizer section's own header counts).
    /// </summary>
    private static (int, int)[] Structure(byte[] file)
    {
        var regions = new List<(int, int)> { (0, ModelFormat.HeaderLength) };
        int pos = ModelFormat.HeaderLength, end = file.Length - ModelFormat.ChecksumLength;
        while (pos + ModelFormat.SectionHeaderLength <= end)
        {
            string tag = System.Text.Encoding.ASCII.GetString(file, pos, 4);
            int length = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(pos + 8));
            regions.Add((pos, ModelFormat.SectionHeaderLength));
            int payload = pos + ModelFormat.SectionHeaderLength;
            if (tag == CheckpointFormat.OptimizerTag) regions.Add((payload, 16));
            else if (tag != ModelFormat.WeightsTag) regions.Add((payload, length));
            pos = payload + length;
        }
        return [.. regions];
    }

    private static float[][] Parameters(int seed)
    {
        var r = new SeededRandom((ulong)seed);
        return Spec.Plan.Parameters.Select(s => Enumerable.Range(0, (int)s.Length).Select(_ => (float)r.NextGaussian()).ToArray()).ToArray();
    }

    private static Checkpoint BuildCheckpoint(OptimizerKind kind)
    {
        var options = new TrainingOptions { Epochs = 3, Optimizer = kind, Seed = 5, BatchSize = 32 };
        int slots = Optimizer.SlotsPerParameter(kind);
        var parameters = Parameters(2);
        var optimizer = new OptimizerState(kind, 40, Enumerable.Range(0, slots).SelectMany(_ => Parameters(3)).ToArray());
        var history = new[]
        {
            new EpochMetrics(1, 0.9, 0.7, 0.6, 0.8, 0.05, 1.5, 2000, "cpu"),
            new EpochMetrics(2, 0.5, 0.85, 0.45, 0.88, 0.03, 1.4, 2100, "cpu"),
        };
        var state = new TrainingState(Spec, options, new Normalization(0.13, 0.31), new DataFingerprint(640, 100, new byte[32]),
            2, [1, 2, 3, 4], parameters, optimizer, history);
        return new Checkpoint(state, new RunSettings("cpu", "/data/mnist", 640, 100, "metrics.csv"));
    }
}

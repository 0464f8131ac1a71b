using GpuDigits.Engine;
using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using GpuDigits.Data;
using GpuDigits.Files;
using GpuDigits.Model.Optimizers;
using GpuDigits.Model.Training;

namespace GpuDigits.Model.Persistence;

/// <summary>
/// The checkpoint file (<c>checkpoint.gdm</c> in a run folder): a model file (<see cref="ModelFormat"/>, same magic,
/// version, checksum and sections ARCH, NORM, WGTS, META) with three more sections, all little-endian:
/// <code>
/// CKPT  u32 section version (1)   i32 epochs done   u64 x4 generator state
///       i32 epochs   i32 batch   i32 evaluation batch   u32 optimizer (0 sgd, 1 adam)   u32 schedule (0 constant, 1 cosine)
///       u32 has learning rate   f32 learning rate   f32 momentum   u64 seed
///       i32 training images   i32 test images   32 bytes SHA-256 of the data (DataFingerprint)
///       text device   text data folder ("" = default)   i32 train limit (0 = all)   i32 test limit (0 = all)   text metrics path
///       (text = u32 byte count + UTF-8)
/// OPTM  u32 section version (1)   u32 optimizer   i32 step count   u32 slot count   f32 values of every slot in order
///       (slot i has the shape of parameter i modulo the parameter count)
/// HIST  u32 section version (1)   u32 rows   per row: i32 epoch, f64 x7 (train loss, train accuracy, test loss,
///       test accuracy, learning rate, epoch seconds, samples per second), text device
/// </code>
/// The three sections are marked optional, so any model reader takes a checkpoint for the model it holds; a
/// checkpoint reader requires all three. Every size is checked against the section's length before anything is
/// allocated; any problem is a <see cref="ModelFormatException"/> naming the file.
/// </summary>
public static class CheckpointFormat
{
    public const string StateTag = "CKPT";
    public const string OptimizerTag = "OPTM";
    public const string HistoryTag = "HIST";
    public const uint SectionVersion = 1;

    /// <summary>The file name of the checkpoint in a run folder.</summary>
    public const string FileName = "checkpoint.gdm";

    private const int MaxTextBytes = RunSettings.MaxTextBytes;
    private const int HistoryRowMinBytes = 4 + 7 * 8 + 4;

    // ---------------------------------------------------------------- writing

    /// <summary>Writes <paramref name="checkpoint"/> to <paramref name="path"/> atomically (temporary file, flush, rename).</summary>
    public static void Save(Checkpoint checkpoint, string path)
    {
        var bytes = Serialize(checkpoint);
        AtomicFile.Write(path, stream => stream.Write(bytes));
    }

    public static byte[] Serialize(Checkpoint checkpoint) => ModelFormat.Serialize(ToModelFile(checkpoint));

    /// <summary>The model file a checkpoint is: the network at the checkpoint plus the three training sections.</summary>
    public static ModelFile ToModelFile(Checkpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var state = checkpoint.State;
        var run = checkpoint.Run.Validate();
        var metadata = new Dictionary<string, string>
        {
            ["kind"] = "checkpoint",
            ["epoch"] = state.EpochsDone.ToString(CultureInfo.InvariantCulture),
            ["epochs"] = state.Options.Epochs.ToString(CultureInfo.InvariantCulture),
            ["device"] = run.Device,
        };
        foreach (var (key, value) in ModelFile.DataSetMetadata(run.DataSet, run.ClassNames)) metadata[key] = value;
        if (state.History.Count > 0)
            metadata["test_accuracy"] = state.History[^1].TestAccuracy.ToString("R", CultureInfo.InvariantCulture);
        return new ModelFile(state.Spec, state.Normalization, state.Parameters, metadata,
        [
            new ModelSection(StateTag, false, StatePayload(state, run)),
            new ModelSection(OptimizerTag, false, OptimizerPayload(state.Optimizer)),
            new ModelSection(HistoryTag, false, HistoryPayload(state.History)),
        ]);
    }

    private static byte[] StatePayload(TrainingState s, RunSettings run)
    {
        var w = new PayloadWriter();
        w.U32(SectionVersion);
        w.I32(s.EpochsDone);
        foreach (var word in s.RandomState) w.U64(word);
        var o = s.Options;
        w.I32(o.Epochs);
        w.I32(o.BatchSize);
        w.I32(o.EvaluationBatchSize);
        w.U32((uint)o.Optimizer);
        w.U32((uint)o.Schedule);
        w.U32(o.LearningRate.HasValue ? 1u : 0u);
        w.F32(o.LearningRate ?? 0f);
        w.F32(o.Momentum);
        w.U64(o.Seed);
        w.I32(s.TrainedOn.TrainCount);
        w.I32(s.TrainedOn.TestCount);
        w.Bytes([.. s.TrainedOn.Sha256]);
        w.Text(run.Device);
        w.Text(run.DataDirectory ?? "");
        w.I32(run.TrainLimit ?? 0);
        w.I32(run.TestLimit ?? 0);
        w.Text(run.MetricsPath);
        return w.ToArray();
    }

    private static byte[] OptimizerPayload(OptimizerState o)
    {
        var w = new PayloadWriter();
        w.U32(SectionVersion);
        w.U32((uint)o.Kind);
        w.I32(o.StepCount);
        w.U32((uint)o.Slots.Count);
        foreach (var slot in o.Slots) w.Floats(slot);
        return w.ToArray();
    }

    private static byte[] HistoryPayload(IReadOnlyList<EpochMetrics> history)
    {
        var w = new PayloadWriter();
        w.U32(SectionVersion);
        w.U32((uint)history.Count);
        foreach (var m in history)
        {
            w.I32(m.Epoch);
            foreach (double v in new[] { m.TrainLoss, m.TrainAccuracy, m.TestLoss, m.TestAccuracy, m.LearningRate, m.EpochSeconds, m.SamplesPerSecond })
                w.F64(v);
            w.Text(m.Device);
        }
        return w.ToArray();
    }

    // ---------------------------------------------------------------- reading

    /// <summary>Reads and checks a checkpoint; any problem is a <see cref="ModelFormatException"/> naming the file.</summary>
    public static Checkpoint Load(string path) => FromModelFile(ModelFormat.Load(path), path);

    /// <summary>Parses a whole checkpoint held in memory; <paramref name="name"/> is used in error messages.</summary>
    public static Checkpoint Deserialize(ReadOnlySpan<byte> bytes, string name) =>
        FromModelFile(ModelFormat.Deserialize(bytes, name), name);

    /// <summary>The checkpoint a model file holds, or a <see cref="ModelFormatException"/> saying why it holds none.</summary>
    public static Checkpoint FromModelFile(ModelFile model, string name)
    {
        ArgumentNullException.ThrowIfNull(model);
        ModelSection Single(string tag)
        {
            ModelSection? found = null;
            foreach (var s in model.ExtraSections)
            {
                if (s.Tag != tag) continue;
                if (found is not null) throw new ModelFormatException(name, $"has more than one {tag} section");
                found = s;
            }
            return found ?? throw new ModelFormatException(name,
                $"is a model file without training state (no {tag} section), not a checkpoint: it cannot be resumed");
        }
        var stateSection = Single(StateTag);
        var optimizerSection = Single(OptimizerTag);
        var historySection = Single(HistoryTag);

        var r = new PayloadReader(stateSection.Payload, name, StateTag);
        r.Version();
        int epochsDone = r.I32();
        var random = new[] { r.U64(), r.U64(), r.U64(), r.U64() };
        int epochs = r.I32(), batch = r.I32(), evalBatch = r.I32();
        var kind = r.Enum<OptimizerKind>("optimizer");
        var schedule = r.Enum<LearningRateSchedule>("learning-rate schedule");
        uint hasLr = r.U32();
        float lr = r.F32(), momentum = r.F32();
        ulong seed = r.U64();
        int trainCount = r.I32(), testCount = r.I32();
        var sha = r.Bytes(DataFingerprint.HashLength);
        string device = r.Text(), dataDir = r.Text();
        int trainLimit = r.I32(), testLimit = r.I32();
        string metricsPath = r.Text();
        r.End();
        if (hasLr > 1) throw r.Bad($"has-learning-rate flag {hasLr}");
        if (trainCount < 1 || testCount < 1) throw r.Bad($"image counts {trainCount} and {testCount} (each must be at least 1)");
        if (epochsDone < 0) throw r.Bad($"epoch count {epochsDone}");

        TrainingOptions options;
        RunSettings run;
        DataFingerprint data;
        try
        {
            options = new TrainingOptions
            {
                Epochs = epochs,
                BatchSize = batch,
                EvaluationBatchSize = evalBatch,
                Optimizer = kind,
                Schedule = schedule,
                LearningRate = hasLr == 1 ? lr : null,
                Momentum = momentum,
                Seed = seed,
            }.Validate();
            run = new RunSettings(device, dataDir.Length == 0 ? null : dataDir, trainLimit == 0 ? null : trainLimit,
                testLimit == 0 ? null : testLimit, metricsPath) { DataSet = model.DataSetName, ClassNames = model.ClassNames }.Validate();
            data = new DataFingerprint(trainCount, testCount, sha);
        }
        catch (ArgumentException e)
        {
            throw new ModelFormatException(name, $"has invalid training settings in its {StateTag} section: {Describe(e)}");
        }

        var optimizer = ReadOptimizer(optimizerSection.Payload, model, name);
        var history = ReadHistory(historySection.Payload, name);
        try
        {
            var state = new TrainingState(model.Spec, options, model.Normalization, data, epochsDone, random,
                model.Parameters, optimizer, history);
            return new Checkpoint(state, run);
        }
        catch (ArgumentException e)
        {
            throw new ModelFormatException(name, $"is inconsistent: {Describe(e)}");
        }
    }

    /// <summary>An argument check's message as one line, without the parameter name .NET appends.</summary>
    private static string Describe(ArgumentException e)
    {
        string message = e.Message.Split('\n')[0].Trim();
        if (e.ParamName is { } param) message = message.Replace($" (Parameter '{param}')", "");
        return message.TrimEnd('.');
    }

    private static OptimizerState ReadOptimizer(byte[] payload, ModelFile model, string name)
    {
        var r = new PayloadReader(payload, name, OptimizerTag);
        r.Version();
        var kind = r.Enum<OptimizerKind>("optimizer");
        int steps = r.I32();
        uint slotCount = r.U32();
        if (steps < 0) throw r.Bad($"step count {steps}");
        var shapes = model.Spec.Plan.Parameters;
        int expectedSlots = Optimizer.SlotsPerParameter(kind) * shapes.Count;
        if (slotCount != expectedSlots)
            throw new ModelFormatException(name, $"has {slotCount:N0} optimizer state tensors in {OptimizerTag}; a {kind} optimizer of this network keeps {expectedSlots}");
        long values = 0;
        for (int i = 0; i < expectedSlots; i++) values += shapes[i % shapes.Count].Length;
        if (r.Remaining != 4 * values)
            throw new ModelFormatException(name,
                $"has a size mismatch: {OptimizerTag} should hold {values:N0} values ({4 * values:N0} bytes) but holds {r.Remaining:N0} bytes");
        var slots = new float[expectedSlots][];
        for (int i = 0; i < expectedSlots; i++)
        {
            var slot = new float[shapes[i % shapes.Count].Length];
            for (int j = 0; j < slot.Length; j++)
            {
                slot[j] = r.F32();
                if (!float.IsFinite(slot[j]))
                    throw new ModelFormatException(name, $"holds a non-finite optimizer state value ({slot[j]}) in tensor {i} at index {j:N0}");
            }
            slots[i] = slot;
        }
        r.End();
        return new OptimizerState(kind, steps, slots);
    }

    private static EpochMetrics[] ReadHistory(byte[] payload, string name)
    {
        var r = new PayloadReader(payload, name, HistoryTag);
        r.Version();
        uint rows = r.U32();
        if (rows > r.Remaining / HistoryRowMinBytes)
            throw new ModelFormatException(name, $"declares {rows:N0} epochs of metrics in {HistoryTag}, more than its {payload.Length:N0} bytes can hold");
        var history = new EpochMetrics[rows];
        for (int i = 0; i < rows; i++)
        {
            int epoch = r.I32();
            var v = new double[7];
            for (int k = 0; k < v.Length; k++)
            {
                v[k] = r.F64();
                if (!double.IsFinite(v[k])) throw r.Bad($"non-finite metric {v[k]} in row {i + 1}");
            }
            string device = r.Text();
            history[i] = new EpochMetrics(epoch, v[0], v[1], v[2], v[3], v[4], v[5], v[6], device);
        }
        r.End();
        return history;
    }

    /// <summary>Appends little-endian fields to a growing buffer.</summary>
    private sealed class PayloadWriter
    {
        private readonly MemoryStream _stream = new();
        private readonly byte[] _scratch = new byte[8];

        public void U32(uint v) { BinaryPrimitives.WriteUInt32LittleEndian(_scratch, v); _stream.Write(_scratch, 0, 4); }
        public void I32(int v) { BinaryPrimitives.WriteInt32LittleEndian(_scratch, v); _stream.Write(_scratch, 0, 4); }
        public void U64(ulong v) { BinaryPrimitives.WriteUInt64LittleEndian(_scratch, v); _stream.Write(_scratch, 0, 8); }
        public void F32(float v) { BinaryPrimitives.WriteSingleLittleEndian(_scratch, v); _stream.Write(_scratch, 0, 4); }
        public void F64(double v) { BinaryPrimitives.WriteDoubleLittleEndian(_scratch, v); _stream.Write(_scratch, 0, 8); }
        public void Bytes(ReadOnlySpan<byte> bytes) => _stream.Write(bytes);

        /// <summary>Little-endian floats, in one block copy (each F32 call would cost a stream write).</summary>
        public void Floats(ReadOnlySpan<float> values)
        {
            var bytes = new byte[4 * values.Length];
            ModelFormat.WriteFloats(values, bytes);
            _stream.Write(bytes);
        }

        public void Text(string text)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            if (bytes.Length > MaxTextBytes) throw new ArgumentException($"A text field is longer than {MaxTextBytes} bytes.");
            U32((uint)bytes.Length);
            Bytes(bytes);
        }

        public byte[] ToArray() => _stream.ToArray();
    }

    /// <summary>Reads little-endian fields from a section payload; running past its end is a format error.</summary>
    private sealed class PayloadReader(byte[] payload, string name, string tag)
    {
        private int _pos;

        public int Remaining => payload.Length - _pos;

        private ReadOnlySpan<byte> Take(int length)
        {
            if (length > Remaining)
                throw new ModelFormatException(name, $"is truncated inside its {tag} section ({payload.Length:N0} bytes)");
            var span = payload.AsSpan(_pos, length);
            _pos += length;
            return span;
        }

        public uint U32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));
        public int I32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));
        public ulong U64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));
        public float F32() => BinaryPrimitives.ReadSingleLittleEndian(Take(4));
        public double F64() => BinaryPrimitives.ReadDoubleLittleEndian(Take(8));
        public byte[] Bytes(int length) => Take(length).ToArray();

        public void Version()
        {
            uint v = U32();
            if (v != SectionVersion)
                throw new ModelFormatException(name, v > SectionVersion
                    ? $"has {tag} section version {v}; this build reads version {SectionVersion}. Use a newer gpudigits"
                    : $"has unknown {tag} section version {v}");
        }

        public T Enum<T>(string what) where T : struct, System.Enum
        {
            uint v = U32();
            var value = (T)(object)(int)Math.Min(v, int.MaxValue);
            if (v > int.MaxValue || !System.Enum.IsDefined(value)) throw Bad($"{what} code {v}");
            return value;
        }

        public string Text()
        {
            uint length = U32();
            if (length > MaxTextBytes) throw Bad($"text field of {length:N0} bytes (at most {MaxTextBytes})");
            var bytes = Take((int)length);
            try
            {
                return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
            }
            catch (DecoderFallbackException)
            {
                throw Bad("text field that is not UTF-8");
            }
        }

        public void End()
        {
            if (Remaining != 0) throw new ModelFormatException(name, $"has {Remaining:N0} unexpected bytes at the end of its {tag} section");
        }

        public ModelFormatException Bad(string what) => new(name, $"has an invalid {tag} section: {what}");
    }
}

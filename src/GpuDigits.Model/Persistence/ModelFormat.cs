using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using GpuDigits.Data;
using GpuDigits.Engine;
using GpuDigits.Files;

namespace GpuDigits.Model.Persistence;

/// <summary>
/// The .gdm model file, format version 1 (docs/model-format.md is the specification). Little-endian throughout:
/// <code>
/// header   8  magic "GDMODEL\0"
///          2  format version (1)
///          2  reserved, 0
///          4  section count
/// section  4  tag (ASCII)     4  flags (bit 0: required)     8  payload length     payload
/// trailer 32  SHA-256 of every byte before it
/// </code>
/// Version 1 sections: ARCH (layer widths, hidden activation), NORM (pixel mean and std), WGTS (float32
/// parameters, W1 b1 W2 b2 ...), all required; META (UTF-8 key=value lines), optional. A reader skips optional
/// sections it does not know and refuses required ones, so later features can add sections without a version bump.
/// Loading checks, in this order: magic, version, the section structure against the file length, the checksum,
/// then every size against every other; nothing is allocated that the file's own length does not justify.
/// </summary>
public static class ModelFormat
{
    /// <summary>The format version this build writes, and the newest it reads.</summary>
    public const ushort Version = 1;

    public const int HeaderLength = 16;
    public const int SectionHeaderLength = 16;
    public const int ChecksumLength = 32;
    public const int MaxSections = 1024;
    public const int MaxLayers = 64;
    public const int MaxWidth = 65536;

    /// <summary>The largest model file read (2 GiB, the largest array .NET allocates).</summary>
    public static long MaxFileLength => Array.MaxLength;

    public const string ArchitectureTag = "ARCH";

    /// <summary>The convolution stages of a CNN (absent for an MLP, whose files are byte for byte what they were):
    /// u32 count, then the filters of each stage. Written as a required section, so a build that predates CNNs refuses
    /// the file instead of reading it as an MLP.</summary>
    public const string ConvolutionTag = "CONV";
    public const string NormalizationTag = "NORM";
    public const string WeightsTag = "WGTS";
    public const string MetadataTag = "META";

    /// <summary>The eight bytes a model file starts with: "GDMODEL" and a zero byte.</summary>
    public static ReadOnlySpan<byte> Magic => "GDMODEL\0"u8;

    internal static readonly HashSet<string> KnownTags = [ArchitectureTag, ConvolutionTag, NormalizationTag, WeightsTag, MetadataTag];

    private const uint RequiredFlag = 1;

    // ---------------------------------------------------------------- writing

    /// <summary>Writes <paramref name="model"/> to <paramref name="path"/> atomically (temporary file, flush, rename).</summary>
    public static void Save(ModelFile model, string path)
    {
        var bytes = Serialize(model);
        AtomicFile.Write(path, stream => stream.Write(bytes));
    }

    /// <summary>The complete file content of <paramref name="model"/>.</summary>
    public static byte[] Serialize(ModelFile model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var sections = new List<ModelSection>
        {
            new(ArchitectureTag, true, ArchitecturePayload(model.Spec)),
            new(NormalizationTag, true, NormalizationPayload(model.Normalization)),
            new(WeightsTag, true, WeightsPayload(model.Parameters)),
        };
        if (model.Spec.IsConvolutional) sections.Insert(1, new(ConvolutionTag, true, ConvolutionPayload(model.Spec)));
        if (model.Metadata.Count > 0) sections.Add(new(MetadataTag, false, MetadataPayload(model.Metadata)));
        sections.AddRange(model.ExtraSections);
        return Assemble(sections, Version);
    }

    /// <summary>Frames <paramref name="sections"/> with the header and the checksum trailer.</summary>
    public static byte[] Assemble(IReadOnlyList<ModelSection> sections, ushort version)
    {
        long length = HeaderLength + ChecksumLength + sections.Sum(s => SectionHeaderLength + (long)s.Payload.Length);
        if (length > MaxFileLength) throw new ArgumentException($"A model file of {length:N0} bytes is larger than the {MaxFileLength:N0} allowed.");
        var bytes = new byte[length];
        var span = bytes.AsSpan();
        Magic.CopyTo(span);
        BinaryPrimitives.WriteUInt16LittleEndian(span[8..], version);
        BinaryPrimitives.WriteUInt16LittleEndian(span[10..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(span[12..], (uint)sections.Count);
        int pos = HeaderLength;
        foreach (var s in sections)
        {
            ModelSection.CheckTag(s.Tag);
            Encoding.ASCII.GetBytes(s.Tag, span.Slice(pos, 4));
            BinaryPrimitives.WriteUInt32LittleEndian(span[(pos + 4)..], s.Required ? RequiredFlag : 0);
            BinaryPrimitives.WriteUInt64LittleEndian(span[(pos + 8)..], (ulong)s.Payload.Length);
            s.Payload.CopyTo(span[(pos + SectionHeaderLength)..]);
            pos += SectionHeaderLength + s.Payload.Length;
        }
        SHA256.HashData(span[..pos], span[pos..]);
        return bytes;
    }

    private static byte[] ConvolutionPayload(NetworkSpec spec)
    {
        var payload = new byte[4 + 4 * spec.ConvFilters.Count];
        BinaryPrimitives.WriteUInt32LittleEndian(payload, (uint)spec.ConvFilters.Count);
        for (int i = 0; i < spec.ConvFilters.Count; i++)
            BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(4 + 4 * i), (uint)spec.ConvFilters[i]);
        return payload;
    }

    /// <summary>The image inputs, the dense hidden widths and the classes (for a CNN the dense input is derived).</summary>
    private static byte[] ArchitecturePayload(NetworkSpec spec)
    {
        int[] widths = [spec.Inputs, .. spec.Hidden, spec.Classes];
        var payload = new byte[4 + 4 * widths.Length + 4];
        BinaryPrimitives.WriteUInt32LittleEndian(payload, (uint)widths.Length);
        for (int i = 0; i < widths.Length; i++) BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(4 + 4 * i), (uint)widths[i]);
        BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(4 + 4 * widths.Length), (uint)spec.Activation);
        return payload;
    }

    private static byte[] NormalizationPayload(Normalization n)
    {
        var payload = new byte[16];
        BinaryPrimitives.WriteDoubleLittleEndian(payload, n.Mean);
        BinaryPrimitives.WriteDoubleLittleEndian(payload.AsSpan(8), n.Std);
        return payload;
    }

    private static byte[] WeightsPayload(IReadOnlyList<float[]> parameters)
    {
        var payload = new byte[4 * parameters.Sum(p => (long)p.Length)];
        int pos = 0;
        foreach (var p in parameters)
        {
            WriteFloats(p, payload.AsSpan(pos));
            pos += 4 * p.Length;
        }
        return payload;
    }

    /// <summary>Writes <paramref name="values"/> little-endian into the start of <paramref name="destination"/>.</summary>
    internal static void WriteFloats(ReadOnlySpan<float> values, Span<byte> destination)
    {
        if (BitConverter.IsLittleEndian)
        {
            System.Runtime.InteropServices.MemoryMarshal.AsBytes(values).CopyTo(destination);
            return;
        }
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(destination[(4 * i)..], values[i]);
    }

    private static byte[] MetadataPayload(IReadOnlyDictionary<string, string> metadata) =>
        Encoding.UTF8.GetBytes(string.Concat(metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}\n")));

    /// <summary>Keys are 1-64 characters of [a-z0-9_.-]; values are single lines.</summary>
    internal static void CheckMetadata(string key, string value)
    {
        if (string.IsNullOrEmpty(key) || key.Length > 64 || !key.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '_' or '.' or '-'))
            throw new ArgumentException($"Metadata key '{key}' must be 1-64 characters of a-z, 0-9, '_', '.', '-'.");
        if (value is null || value.Contains('\n') || value.Contains('\r'))
            throw new ArgumentException($"Metadata value of '{key}' must be a single line.");
    }

    // ---------------------------------------------------------------- reading

    /// <summary>Reads and checks a model file; any problem is a <see cref="ModelFormatException"/> naming the file.</summary>
    public static ModelFile Load(string path)
    {
        byte[] bytes;
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            if (file.Length > MaxFileLength)
                throw new ModelFormatException(path, $"is {file.Length:N0} bytes, larger than any model file ({MaxFileLength:N0} at most)");
            // The magic first: a large file that is not a model is refused before it is read whole.
            Span<byte> head = stackalloc byte[8];
            int got = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            if (got < Magic.Length || !head.StartsWith(Magic))
                throw new ModelFormatException(path, "is not a GpuDigits model file (it does not start with the GDMODEL magic)");
            file.Position = 0;
            bytes = new byte[file.Length];
            file.ReadExactly(bytes);
        }
        return Deserialize(bytes, path);
    }

    /// <summary>Parses a whole model file held in memory; <paramref name="name"/> is used in error messages.</summary>
    public static ModelFile Deserialize(ReadOnlySpan<byte> bytes, string name)
    {
        var sections = ReadSections(bytes, name);

        ModelSection? Single(string tag)
        {
            var found = sections.Where(s => s.Tag == tag).ToList();
            if (found.Count > 1) throw new ModelFormatException(name, $"has {found.Count} {tag} sections; at most one is allowed");
            return found.SingleOrDefault();
        }
        var arch = Single(ArchitectureTag) ?? throw new ModelFormatException(name, $"has no {ArchitectureTag} section (the network's shape)");
        var norm = Single(NormalizationTag) ?? throw new ModelFormatException(name, $"has no {NormalizationTag} section (the pixel normalization)");
        var weights = Single(WeightsTag) ?? throw new ModelFormatException(name, $"has no {WeightsTag} section (the parameters)");
        var meta = Single(MetadataTag);

        var spec = ReadArchitecture(arch.Payload, name);
        if (Single(ConvolutionTag) is { } conv) spec = ReadConvolutions(conv.Payload, spec, name);
        var normalization = ReadNormalization(norm.Payload, name);
        var parameters = ReadWeights(weights.Payload, spec, name);
        var metadata = meta is null ? null : ReadMetadata(meta.Payload, name);
        var extra = sections.Where(s => !KnownTags.Contains(s.Tag)).ToList();
        return new ModelFile(spec, normalization, parameters, metadata, extra);
    }

    /// <summary>
    /// Checks magic, version, the section framing and the checksum, and returns every section (payloads copied).
    /// Unknown required sections are refused here.
    /// </summary>
    public static IReadOnlyList<ModelSection> ReadSections(ReadOnlySpan<byte> bytes, string name)
    {
        if (bytes.Length < Magic.Length || !bytes.StartsWith(Magic))
            throw new ModelFormatException(name, "is not a GpuDigits model file (it does not start with the GDMODEL magic)");
        if (bytes.Length < HeaderLength + ChecksumLength)
            throw new ModelFormatException(name, $"is truncated: {bytes.Length} bytes, shorter than an empty model file ({HeaderLength + ChecksumLength})");
        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(bytes[8..]);
        if (version != Version)
            throw new ModelFormatException(name, version > Version
                ? $"has model format version {version}; this build reads version {Version}. Use a newer gpudigits"
                : $"has unknown model format version {version}; this build reads version {Version}");
        uint count = BinaryPrimitives.ReadUInt32LittleEndian(bytes[12..]);
        if (count > MaxSections)
            throw new ModelFormatException(name, $"declares {count:N0} sections; at most {MaxSections} are allowed");

        // Framing first: every declared length must fit in the file before anything is trusted or allocated.
        int end = bytes.Length - ChecksumLength;
        var frames = new List<(string Tag, uint Flags, int Offset, int Length)>();
        int pos = HeaderLength;
        for (int i = 0; i < count; i++)
        {
            if (end - pos < SectionHeaderLength)
                throw new ModelFormatException(name,
                    $"is truncated: it declares {count} sections but ends inside section {i + 1}'s header");
            var tagBytes = bytes.Slice(pos, 4);
            if (!IsTag(tagBytes))
                throw new ModelFormatException(name, $"is damaged: section {i + 1} at byte {pos:N0} has no valid tag (bytes {Convert.ToHexString(tagBytes)})");
            string tag = Encoding.ASCII.GetString(tagBytes);
            uint flags = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(pos + 4)..]);
            ulong length = BinaryPrimitives.ReadUInt64LittleEndian(bytes[(pos + 8)..]);
            long available = end - pos - SectionHeaderLength;
            if (length > (ulong)available)
                throw new ModelFormatException(name,
                    $"is truncated: section {tag} declares {length:N0} bytes but only {Math.Max(0, available):N0} remain before the checksum");
            frames.Add((tag, flags, pos + SectionHeaderLength, (int)length));
            pos += SectionHeaderLength + (int)length;
        }
        if (pos != end)
            throw new ModelFormatException(name,
                $"has {end - pos:N0} unexpected bytes after its {count} sections (truncated sections or trailing data)");

        Span<byte> hash = stackalloc byte[ChecksumLength];
        SHA256.HashData(bytes[..end], hash);
        if (!hash.SequenceEqual(bytes[end..]))
            throw new ModelFormatException(name,
                $"is damaged: its SHA-256 checksum does not match its content (stored {Convert.ToHexStringLower(bytes[end..])[..16]}..., computed {Convert.ToHexStringLower(hash)[..16]}...)");

        var sections = new List<ModelSection>(frames.Count);
        foreach (var (tag, flags, offset, length) in frames)
        {
            bool required = (flags & RequiredFlag) != 0;
            if (required && !KnownTags.Contains(tag))
                throw new ModelFormatException(name, $"needs section {tag}, which this build does not know. Use a newer gpudigits");
            sections.Add(new ModelSection(tag, required, bytes.Slice(offset, length).ToArray()));
        }
        return sections;
    }

    private static bool IsTag(ReadOnlySpan<byte> tag)
    {
        foreach (byte b in tag)
            if (!char.IsAsciiLetterOrDigit((char)b)) return false;
        return true;
    }

    private static NetworkSpec ReadArchitecture(byte[] payload, string name)
    {
        if (payload.Length < 4) throw new ModelFormatException(name, $"has a {ArchitectureTag} section of {payload.Length} bytes, too short to hold a layer count");
        uint layers = BinaryPrimitives.ReadUInt32LittleEndian(payload);
        if (layers < 2 || layers > MaxLayers)
            throw new ModelFormatException(name, $"declares {layers:N0} layer widths; a network has 2 to {MaxLayers}");
        long expected = 4 + 4L * layers + 4;
        if (payload.Length != expected)
            throw new ModelFormatException(name,
                $"has a size mismatch: {ArchitectureTag} declares {layers} widths ({expected} bytes) but holds {payload.Length} bytes");
        var widths = new int[layers];
        for (int i = 0; i < layers; i++)
        {
            uint w = BinaryPrimitives.ReadUInt32LittleEndian(payload.AsSpan(4 + 4 * i));
            if (w < 1 || w > MaxWidth)
                throw new ModelFormatException(name, $"declares an absurd layer width {w:N0} (layer {i}); widths are 1 to {MaxWidth:N0}");
            widths[i] = (int)w;
        }
        uint activation = BinaryPrimitives.ReadUInt32LittleEndian(payload.AsSpan(4 + 4 * (int)layers));
        if (!Enum.IsDefined((Activation)activation))
            throw new ModelFormatException(name, $"declares unknown activation code {activation}");
        return new NetworkSpec(widths[0], widths[1..^1], widths[^1], (Activation)activation);
    }

    private static NetworkSpec ReadConvolutions(byte[] payload, NetworkSpec spec, string name)
    {
        if (payload.Length < 4) throw new ModelFormatException(name, $"has a {ConvolutionTag} section of {payload.Length} bytes, too short to hold a stage count");
        uint stages = BinaryPrimitives.ReadUInt32LittleEndian(payload);
        if (stages < 1 || stages > 8)
            throw new ModelFormatException(name, $"declares {stages:N0} convolution stages; a network has 1 to 8");
        if (payload.Length != 4 + 4L * stages)
            throw new ModelFormatException(name, $"has a size mismatch: {ConvolutionTag} declares {stages} stages but holds {payload.Length} bytes");
        var filters = new int[stages];
        for (int i = 0; i < stages; i++)
        {
            uint f = BinaryPrimitives.ReadUInt32LittleEndian(payload.AsSpan(4 + 4 * i));
            if (f < 1 || f > 4096) throw new ModelFormatException(name, $"declares {f:N0} filters in convolution stage {i + 1}; 1 to 4096 are allowed");
            filters[i] = (int)f;
        }
        var cnn = spec with { ConvFilters = filters };
        try
        {
            cnn.CheckConvolutions();
        }
        catch (ArgumentException e)
        {
            throw new ModelFormatException(name, $"declares convolutions that do not fit its images ({e.Message.TrimEnd('.')})");
        }
        return cnn;
    }

    private static Normalization ReadNormalization(byte[] payload, string name)
    {
        if (payload.Length != 16)
            throw new ModelFormatException(name, $"has a size mismatch: {NormalizationTag} holds {payload.Length} bytes, expected 16 (mean, std)");
        double mean = BinaryPrimitives.ReadDoubleLittleEndian(payload);
        double std = BinaryPrimitives.ReadDoubleLittleEndian(payload.AsSpan(8));
        if (!double.IsFinite(mean) || !double.IsFinite(std) || std < 0)
            throw new ModelFormatException(name, $"has an invalid normalization (mean {mean}, std {std})");
        return new Normalization(mean, std);
    }

    private static float[][] ReadWeights(byte[] payload, NetworkSpec spec, string name)
    {
        var shapes = spec.Plan.Parameters;
        long total = shapes.Sum(s => s.Length);
        if (payload.Length != 4 * total)
            throw new ModelFormatException(name,
                $"has a size mismatch: the {string.Join("-", spec.Widths)} network needs {total:N0} parameters ({4 * total:N0} bytes) but {WeightsTag} holds {payload.Length:N0} bytes");
        var result = new float[shapes.Count][];
        int pos = 0;
        for (int t = 0; t < shapes.Count; t++)
        {
            var values = new float[shapes[t].Length];
            for (int i = 0; i < values.Length; i++, pos += 4)
            {
                values[i] = BinaryPrimitives.ReadSingleLittleEndian(payload.AsSpan(pos));
                if (!float.IsFinite(values[i]))
                    throw new ModelFormatException(name, $"holds a non-finite value ({values[i]}) in parameter {shapes[t].Name} at index {i:N0}");
            }
            result[t] = values;
        }
        return result;
    }

    private static Dictionary<string, string> ReadMetadata(byte[] payload, string name)
    {
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(payload);
        }
        catch (DecoderFallbackException)
        {
            throw new ModelFormatException(name, $"has a {MetadataTag} section that is not UTF-8 text");
        }
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = line.IndexOf('=');
            string key = eq < 0 ? line : line[..eq], value = eq < 0 ? "" : line[(eq + 1)..];
            try
            {
                CheckMetadata(key, value);
            }
            catch (ArgumentException e)
            {
                throw new ModelFormatException(name, $"has a bad {MetadataTag} line: {e.Message.TrimEnd('.')}");
            }
            result[key] = value;
        }
        return result;
    }
}

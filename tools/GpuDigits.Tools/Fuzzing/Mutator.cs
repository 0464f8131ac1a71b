using System.Buffers.Binary;
using GpuDigits.Model;

namespace GpuDigits.Tools.Fuzzing;

/// <summary>
/// Damages a valid file the ways files get damaged or forged: flipped bits, overwritten, inserted and deleted bytes,
/// truncation, appended garbage, and header fields (sizes, counts, dimensions) replaced by zero, one, or huge values.
/// Every mutation is drawn from the case's own generator, so a case is reproduced from (seed, index) alone.
/// </summary>
public static class Mutator
{
    private static readonly uint[] Interesting =
    [
        0, 1, 2, 7, 8, 255, 256, 0x7FFF, 0x8000, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xFFFFFFFE,
        60_000, 47_040_000, 1 << 24, 1 << 30,
    ];

    private static readonly string[] Kinds =
        ["bit-flip", "byte-set", "insert", "delete", "truncate", "append", "duplicate", "field-huge", "field-zero", "field-small"];

    /// <summary>
    /// Applies one to three mutations to a copy of <paramref name="input"/>. Header fields are looked for in the first
    /// <paramref name="headerLength"/> bytes, written big-endian or little-endian as <paramref name="bigEndian"/> says.
    /// <paramref name="hot"/> (optional) lists regions (start, length) of <paramref name="input"/> where structure
    /// lives, such as section headers and small sections; half the targeted mutations land there.
    /// </summary>
    public static byte[] Mutate(byte[] input, SeededRandom random, int headerLength, bool bigEndian, out string description,
        IReadOnlyList<(int Start, int Length)>? hot = null)
    {
        var bytes = new List<byte>(input);
        int steps = 1 + random.NextInt(3);
        var done = new List<string>(steps);
        for (int s = 0; s < steps; s++) done.Add(MutateOnce(bytes, random, headerLength, bigEndian, hot));
        description = string.Join(" + ", done);
        return bytes.ToArray();
    }

    /// <summary>
    /// Replaces one aligned 4-byte field inside one of the <paramref name="hot"/> regions with zero, a small number or
    /// a boundary value: the forged-header case, aimed at the places where a file's structure is described.
    /// </summary>
    public static byte[] MutateField(byte[] input, SeededRandom random, IReadOnlyList<(int Start, int Length)> hot, bool bigEndian,
        out string description)
    {
        ArgumentOutOfRangeException.ThrowIfZero(hot.Count);
        var bytes = (byte[])input.Clone();
        var (start, length) = hot[random.NextInt(hot.Count)];
        int at = start + random.NextInt(Math.Max(1, length / 4)) * 4;
        if (at + 4 > bytes.Length)
        {
            description = "unchanged";
            return bytes;
        }
        uint value = random.NextInt(3) switch
        {
            0 => 0,
            1 => (uint)random.NextInt(4),
            _ => Interesting[random.NextInt(Interesting.Length)],
        };
        if (bigEndian) BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(at), value);
        else BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at), value);
        description = $"field @{at}={value}";
        return bytes;
    }

    private static string MutateOnce(List<byte> b, SeededRandom r, int headerLength, bool bigEndian, IReadOnlyList<(int Start, int Length)>? hot)
    {
        // A position in a hot region, or null when there is none (or the coin says elsewhere).
        int? Hot(int n, int width)
        {
            if (hot is null || hot.Count == 0 || r.NextInt(2) == 0) return null;
            var (start, length) = hot[r.NextInt(hot.Count)];
            int offset = r.NextInt(Math.Max(1, length));
            if (width > 1 && r.NextInt(4) != 0) offset = offset / width * width; // fields sit on their own alignment
            int at = start + offset;
            return at + width <= n ? at : null;
        }

        string kind = Kinds[r.NextInt(Kinds.Length)];
        int n = b.Count;
        switch (kind)
        {
            case "bit-flip" when n > 0:
            {
                int flips = 1 + r.NextInt(8);
                // Favor the header, where one bit changes the meaning of everything after it.
                for (int i = 0; i < flips; i++)
                {
                    int at = Hot(n, 1) ?? (r.NextInt(2) == 0 ? r.NextInt(Math.Min(n, Math.Max(headerLength, 1))) : r.NextInt(n));
                    b[at] ^= (byte)(1 << r.NextInt(8));
                }
                return $"bit-flip x{flips}";
            }
            case "byte-set" when n > 0:
            {
                int at = Hot(n, 1) ?? r.NextInt(n), len = Math.Min(n - at, 1 + r.NextInt(16));
                byte value = r.NextInt(2) == 0 ? (byte)r.NextInt(256) : (byte)(r.NextInt(2) == 0 ? 0 : 0xFF);
                for (int i = 0; i < len; i++) b[at + i] = value;
                return $"byte-set {len}@{at}={value}";
            }
            case "insert":
            {
                int at = r.NextInt(n + 1), len = 1 + r.NextInt(r.NextInt(4) == 0 ? 4096 : 64);
                b.InsertRange(at, RandomBytes(r, len));
                return $"insert {len}@{at}";
            }
            case "delete" when n > 0:
            {
                int at = r.NextInt(n), len = Math.Min(n - at, 1 + r.NextInt(r.NextInt(4) == 0 ? n : 64));
                b.RemoveRange(at, len);
                return $"delete {len}@{at}";
            }
            case "truncate":
            {
                int keep = r.NextInt(2) == 0 ? r.NextInt(Math.Min(n, headerLength + 8) + 1) : r.NextInt(n + 1);
                b.RemoveRange(keep, n - keep);
                return $"truncate to {keep}";
            }
            case "append":
            {
                int len = 1 + r.NextInt(r.NextInt(4) == 0 ? 4096 : 32);
                b.AddRange(RandomBytes(r, len));
                return $"append {len}";
            }
            case "duplicate" when n > 0:
            {
                int at = r.NextInt(n), len = Math.Min(n - at, 1 + r.NextInt(256));
                var chunk = b.GetRange(at, len);
                b.InsertRange(r.NextInt(n + 1), chunk);
                return $"duplicate {len}@{at}";
            }
            case "field-huge" or "field-zero" or "field-small" when n >= 4:
            {
                int limit = Math.Max(1, Math.Min(n - 3, headerLength));
                int at = Hot(n, 4) ?? (r.NextInt(2) == 0 ? r.NextInt(limit) / 4 * 4 : r.NextInt(limit));
                uint value = kind switch
                {
                    "field-zero" => 0,
                    "field-small" => (uint)r.NextInt(4),
                    _ => Interesting[r.NextInt(Interesting.Length)],
                };
                Span<byte> field = stackalloc byte[4];
                if (bigEndian) BinaryPrimitives.WriteUInt32BigEndian(field, value);
                else BinaryPrimitives.WriteUInt32LittleEndian(field, value);
                for (int i = 0; i < 4; i++) b[at + i] = field[i];
                return $"{kind} @{at}={value}";
            }
            default:
            {
                // The mutation needs more bytes than there are: flip the length instead.
                b.Add((byte)r.NextInt(256));
                return "append 1";
            }
        }
    }

    private static byte[] RandomBytes(SeededRandom r, int length)
    {
        var bytes = new byte[length];
        for (int i = 0; i < length; i++) bytes[i] = (byte)r.NextUInt64();
        return bytes;
    }
}

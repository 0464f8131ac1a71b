using GpuDigits.Model;

namespace GpuDigits.Tools.Fuzzing;

/// <summary>One generated input: the bytes, how they were made, and target-specific choices (which reader, how).</summary>
public sealed record FuzzInput(byte[] Bytes, string Description, int Variant = 0, long ContentLength = 0);

/// <summary>
/// A reader under test: how to make a hostile input from a case's generator, how to feed it to the reader, which
/// exceptions are the reader's documented way of refusing a file, and how much memory an input may cost.
/// </summary>
public abstract class FuzzTarget
{
    /// <summary>Memory any input may cost regardless of its size (stream buffers, messages, small tables).</summary>
    public const long FixedAllowance = 64 * 1024;

    public abstract string Name { get; }

    public abstract FuzzInput Generate(SeededRandom random);

    /// <summary>Reads <paramref name="input"/>; returns if the reader accepts it, throws if it refuses it.</summary>
    public abstract void Parse(FuzzInput input);

    /// <summary>Whether <paramref name="e"/> is the reader's documented refusal (a format exception with a message).</summary>
    public abstract bool IsExpected(Exception e);

    /// <summary>The most managed memory <see cref="Parse"/> may allocate for <paramref name="input"/>.</summary>
    public abstract long AllocationBound(FuzzInput input);

    /// <summary>The targets by name: idx, gz, model.</summary>
    public static FuzzTarget Create(string name) => name switch
    {
        "idx" => new IdxFuzzTarget(),
        "gz" => new GzipIdxFuzzTarget(),
        "model" => new ModelFuzzTarget(),
        _ => throw new ArgumentException($"Unknown fuzz target '{name}': use {string.Join(", ", Names)}."),
    };

    public static IReadOnlyList<string> Names { get; } = ["idx", "gz", "model"];
}

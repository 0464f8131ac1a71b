using GpuDigits.Engine;
using NUnit.Framework;

namespace GpuDigits.Tests.Engine;

/// <summary>Deterministic inputs (System.Random with fixed seeds) and device buffers with guard tails.</summary>
public static class DeviceData
{
    /// <summary>Extra elements after every output buffer, filled with a sentinel: a kernel writing past its extent is caught.</summary>
    public const int GuardLength = 23;
    public const float FloatSentinel = -31415.25f;
    public const int IntSentinel = -271828;

    /// <summary>A seed from a test's parameters, stable across runs (unlike string.GetHashCode).</summary>
    public static int Seed(params int[] parts)
    {
        unchecked
        {
            int seed = 17;
            foreach (var part in parts) seed = seed * 31 + part;
            return seed & int.MaxValue;
        }
    }

    public static float[] Uniform(int seed, int count, float low = -1f, float high = 1f)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)(low + (high - low) * random.NextDouble());
        return values;
    }

    public static int[] Ints(int seed, int count, int below)
    {
        var random = new Random(seed);
        var values = new int[count];
        for (int i = 0; i < count; i++) values[i] = random.Next(below);
        return values;
    }

    public static byte[] Bytes(int seed, int count)
    {
        var values = new byte[count];
        new Random(seed).NextBytes(values);
        return values;
    }

    public static float[] Filled(int count, float value)
    {
        var values = new float[count];
        Array.Fill(values, value);
        return values;
    }

    /// <summary>Uploads <paramref name="contents"/> followed by <see cref="GuardLength"/> sentinels.</summary>
    public static DeviceBuffer<float> Guarded(Accelerator device, float[] contents) =>
        device.Upload<float>([.. contents, .. Enumerable.Repeat(FloatSentinel, GuardLength)]);

    public static DeviceBuffer<int> Guarded(Accelerator device, int[] contents) =>
        device.Upload<int>([.. contents, .. Enumerable.Repeat(IntSentinel, GuardLength)]);

    /// <summary>Reads a buffer made by <see cref="Guarded(Accelerator, float[])"/>, checks its guard and returns the contents.</summary>
    public static float[] ReadGuarded(DeviceBuffer<float> buffer, string what) => Strip(buffer.ToArray(), FloatSentinel, what);

    public static int[] ReadGuarded(DeviceBuffer<int> buffer, string what) => Strip(buffer.ToArray(), IntSentinel, what);

    private static T[] Strip<T>(T[] all, T sentinel, string what) where T : IEquatable<T>
    {
        int length = all.Length - GuardLength;
        for (int i = length; i < all.Length; i++)
            if (!all[i].Equals(sentinel))
                Assert.Fail($"{what}: the op wrote past its extent: element {i} (extent {length}) is {all[i]}.");
        return all[..length];
    }

    /// <summary>Asserts that an input buffer still holds what was uploaded.</summary>
    public static void Unchanged<T>(DeviceBuffer<T> buffer, T[] uploaded, string what) where T : unmanaged, IEquatable<T> =>
        Verify.Exact($"{what} (an input) after the op", buffer.ToArray()[..uploaded.Length], uploaded);
}

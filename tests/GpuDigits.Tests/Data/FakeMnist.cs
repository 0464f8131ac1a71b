using System.Security.Cryptography;
using GpuDigits.Data;

namespace GpuDigits.Tests.Data;

/// <summary>
/// Three small stand-in data files with their own specs (length and SHA-256), written raw into an origin folder
/// that a <see cref="FolderSource"/> can serve. One is larger than the fetcher's 1 MiB copy chunk.
/// </summary>
internal sealed class FakeMnist : IDisposable
{
    public FakeMnist()
    {
        Contents = [IdxBytes.Noise(1000, seed: 40), IdxBytes.Noise(37, seed: 41), IdxBytes.Noise(1_500_000, seed: 42)];
        string[] names = ["fake-train", "fake-labels", "fake-test"];
        Specs = names.Select((name, i) =>
            new MnistFileSpec(name, Contents[i].Length, Convert.ToHexStringLower(SHA256.HashData(Contents[i])))).ToArray();
        for (int i = 0; i < Specs.Length; i++) Origin.Write(Specs[i].Name, Contents[i]);
    }

    public TempFolder Origin { get; } = new();
    public byte[][] Contents { get; }
    public MnistFileSpec[] Specs { get; }
    public string[] Names => Specs.Select(s => s.Name).Order(StringComparer.Ordinal).ToArray();

    public void Dispose() => Origin.Dispose();
}

/// <summary>Collects progress messages synchronously, in order.</summary>
internal sealed class ProgressLog : IProgress<string>
{
    public List<string> Messages { get; } = [];

    public void Report(string value) => Messages.Add(value);
}

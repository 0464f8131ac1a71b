using GpuDigits.Tests.Viz;
using NUnit.Framework;

namespace GpuDigits.Tests.Web;

/// <summary>
/// A runs folder holding one default run ("default": <c>gpudigits train --device cpu</c> on the real MNIST, all
/// defaults), trained once per test run by the CLI itself and shared by the serve tests (deleted when the process exits).
/// </summary>
internal static class ServedRuns
{
    public const string DefaultRun = "default";

    private static readonly Lazy<string> Trained = new(Train, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The runs folder.</summary>
    public static string Root => Trained.Value;

    public static string DefaultRunFolder => Path.Combine(Root, DefaultRun);

    public static string DefaultModel => Path.Combine(DefaultRunFolder, "model.gdm");

    private static string Train()
    {
        var root = Directory.CreateTempSubdirectory("gpudigits-serve-runs-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(root, recursive: true); }
            catch (IOException) { }
        };
        var (code, _, err) = CliRunner.Run("train", "--device", "cpu", "--data", TestData.MnistDirectory(), "--out", Path.Combine(root, DefaultRun));
        if (code != 0) Assert.Fail($"The default run for the serve tests did not train (exit {code}): {err}");
        return root;
    }

    /// <summary>Every file and folder under <paramref name="root"/> with its size and last write time, to show nothing was written.</summary>
    public static IReadOnlyList<string> Snapshot(string root) =>
        [.. new DirectoryInfo(root).EnumerateFileSystemInfos("*", SearchOption.AllDirectories)
            .Select(f => $"{Path.GetRelativePath(root, f.FullName)} {(f is FileInfo file ? file.Length : -1)} {f.LastWriteTimeUtc.Ticks}")
            .Order(StringComparer.Ordinal)];
}

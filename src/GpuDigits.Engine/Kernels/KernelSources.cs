using System.Collections.Concurrent;
using System.Reflection;

namespace GpuDigits.Engine.Kernels;

/// <summary>
/// The GPU kernel sources of <c>kernels/</c>, embedded in this assembly as resources named
/// <c>GpuDigits.Kernels.&lt;file&gt;</c>. Every device backend (OpenCL now, CUDA/NVRTC later) compiles the text that
/// <see cref="Compose(string)"/> returns: the portability header <c>gd_portable.h</c> followed by one kernel file,
/// with <c>#line</c> markers so compiler diagnostics name the original file and line.
/// </summary>
public static class KernelSources
{
    public const string ResourcePrefix = "GpuDigits.Kernels.";

    /// <summary>The portability header prepended to every kernel file.</summary>
    public const string Header = "gd_portable.h";

    public const string Gemm = "gemm.cl";
    public const string BiasActivation = "bias_activation.cl";
    public const string SoftmaxCrossEntropy = "softmax_xent.cl";
    public const string Reductions = "reductions.cl";
    public const string Optimizers = "optimizers.cl";
    public const string Gather = "gather.cl";

    /// <summary>The kernel files (one per op family) every backend builds.</summary>
    public static IReadOnlyList<string> KernelFiles { get; } =
        [Gemm, BiasActivation, SoftmaxCrossEntropy, Reductions, Optimizers, Gather];

    private static readonly Assembly Owner = typeof(KernelSources).Assembly;
    private static readonly ConcurrentDictionary<string, string> Cache = new(StringComparer.Ordinal);

    /// <summary>File names of every embedded kernel resource (sources and header).</summary>
    public static IReadOnlyList<string> EmbeddedFileNames() =>
        Owner.GetManifestResourceNames()
            .Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal))
            .Select(n => n[ResourcePrefix.Length..])
            .Order(StringComparer.Ordinal)
            .ToArray();

    /// <summary>
    /// Environment variable naming a folder of kernel sources to use instead of the embedded ones: kernel work
    /// without rebuilding, and a way to try an edited copy of <c>kernels/</c>.
    /// </summary>
    public const string OverrideVariable = "GPUDIGITS_KERNELS_DIR";

    /// <summary>The text of one kernel file, for example <c>gemm.cl</c>: from the override folder if set, else embedded.</summary>
    public static string Read(string fileName) => Cache.GetOrAdd(fileName, static name =>
    {
        var folder = Environment.GetEnvironmentVariable(OverrideVariable);
        if (!string.IsNullOrEmpty(folder))
        {
            var path = Path.Combine(folder, name);
            try
            {
                return File.ReadAllText(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new AcceleratorException($"Cannot read kernel source '{path}' ({OverrideVariable} is set): {e.Message}");
            }
        }
        using var stream = Owner.GetManifestResourceStream(ResourcePrefix + name)
            ?? throw new AcceleratorException(
                $"Kernel source '{name}' is not embedded in {Owner.GetName().Name}; the build that produced it is incomplete.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    /// <summary>The compilable text of an embedded kernel file: header, then the file.</summary>
    public static string Compose(string fileName) => Compose(fileName, Read(fileName));

    /// <summary>
    /// Header + <paramref name="source"/>, with <c>#line</c> markers naming <see cref="Header"/> and
    /// <paramref name="fileName"/> so build logs point at the right file. Also used for sources that are not embedded
    /// (tests build deliberately broken ones through it).
    /// </summary>
    public static string Compose(string fileName, string source) =>
        $"#line 1 \"{Header}\"\n{Read(Header)}\n#line 1 \"{fileName}\"\n{source}";
}

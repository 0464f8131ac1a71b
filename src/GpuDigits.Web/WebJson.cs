using System.Text.Json;
using System.Text.Json.Serialization;
using GpuDigits.Model.Training;

namespace GpuDigits.Web;

/// <summary>The body of every refused request: one line saying why.</summary>
public sealed record ErrorBody(string Error);

/// <summary>What the server serves: the model of <c>--model</c> (null without one), the device, whether runs are listed.</summary>
public sealed record ServerInfo(string? Model, string? Architecture, IReadOnlyList<string>? Classes, string Device, bool Runs);

/// <summary>784 pixels of a 28 x 28 image, row-major, 0 = background and 255 = ink, as MNIST stores them.</summary>
public sealed record PixelsRequest(int[]? Pixels);

/// <summary>
/// A classification: the model used, every class's name and probability, the most probable class, and the 28 x 28
/// image the network saw (after the same preprocessing as <c>predict --image</c> for a picture).
/// </summary>
public sealed record PredictionResult(string Model, string Device, IReadOnlyList<string> Classes, float[] Probabilities,
    int Top, string TopName, int[] Pixels, bool? Inverted);

/// <summary>A run with its epochs.</summary>
public sealed record RunDetail(RunSummary Run, IReadOnlyList<EpochMetrics> Epochs);

/// <summary>The JSON of the API, generated at build time (no reflection, so the trimmed build serves it too).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(ErrorBody))]
[JsonSerializable(typeof(ServerInfo))]
[JsonSerializable(typeof(PixelsRequest))]
[JsonSerializable(typeof(PredictionResult))]
[JsonSerializable(typeof(RunSummary))]
[JsonSerializable(typeof(IReadOnlyList<RunSummary>))]
[JsonSerializable(typeof(RunDetail))]
public sealed partial class WebJson : JsonSerializerContext
{
    /// <summary>
    /// The context the API writes with: quotes and other characters as they are, so a reply read by a person or a
    /// script says 'this' and not \u0027this\u0027 (the replies are application/json, never parsed as HTML).
    /// </summary>
    public static WebJson Relaxed { get; } = new(new JsonSerializerOptions(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}

/// <summary>Text that declares itself UTF-8 (an SVG written into it says encoding="utf-8", as it is served).</summary>
public sealed class Utf8Text : StringWriter
{
    public override System.Text.Encoding Encoding => new System.Text.UTF8Encoding(false);
}

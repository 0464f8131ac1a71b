using System.Text.Json;
using GpuDigits.Data.Images;
using GpuDigits.Model.Inference;
using Microsoft.AspNetCore.Http;

namespace GpuDigits.Web;

/// <summary>
/// <c>POST /api/predict[?run=NAME]</c>: classifies a picture (the body: PNG, JPEG, BMP, GIF, WebP or PGM, as
/// <c>predict --image</c> reads them, with the same size budget and the same preprocessing) or 784 pixels
/// (<c>application/json</c>: <c>{"pixels": [...]}</c>, used as they are). The model is serve's <c>--model</c>, or the
/// named run's model file.
/// </summary>
public static class PredictApi
{
    /// <summary>The largest JSON body read: 784 numbers of up to three digits with separators fit many times over.</summary>
    public const int MaxJsonBytes = 64 << 10;

    public const string PictureName = "the picture";

    public static async Task Handle(HttpContext context, ModelStore models, RunCatalog runs)
    {
        var cancellation = context.RequestAborted;
        var (path, label) = ChooseModel(context.Request, models, runs);
        byte[] pixels;
        bool? inverted = null;
        string media = MediaType(context.Request.ContentType);
        if (media == "application/json")
        {
            var body = await RequestBody.ReadAsync(context.Request, MaxJsonBytes, "the JSON body", cancellation);
            pixels = Pixels(body);
        }
        else if (media is "" or "application/octet-stream" || media.StartsWith("image/", StringComparison.Ordinal))
        {
            var body = await RequestBody.ReadAsync(context.Request, ImageFile.MaxFileBytes, PictureName, cancellation);
            if (body.Length == 0) throw ApiProblem.BadRequest("the request has no picture in its body");
            var digit = MnistPreprocessor.Prepare(ImageFile.Decode(body, PictureName), PictureName);
            pixels = digit.Pixels;
            inverted = digit.Inverted;
        }
        else throw ApiProblem.UnsupportedMediaType($"a body of type '{RunCatalog.Clip(media)}' is not read; send a picture (image/png, ...) or application/json with \"pixels\"");

        var (model, probabilities) = await models.ProbabilitiesAsync(path, label, pixels, cancellation);
        int top = Classifier.ArgMax(probabilities);
        var result = new PredictionResult(model.Label, models.DeviceId, model.ClassNames, probabilities, top, model.ClassNames[top],
            [.. pixels.Select(p => (int)p)], inverted);
        await context.Response.WriteAsJsonAsync(result, WebJson.Relaxed.PredictionResult, cancellationToken: cancellation);
    }

    /// <summary>The model file to classify with and its label: the named run's, else serve's --model (path null).</summary>
    private static (string? Path, string Label) ChooseModel(HttpRequest request, ModelStore models, RunCatalog runs)
    {
        if (request.Query["run"] is { Count: > 0 } named && named[0] is { Length: > 0 } name)
        {
            var dir = runs.Find(name);
            var file = RunCatalog.ModelOf(dir) ?? throw ApiProblem.NotFound($"run '{RunCatalog.Clip(name)}' has no model file yet (its first epoch writes model-best.gdm)");
            return (file, $"{name}/{Path.GetFileName(file)}");
        }
        var served = models.Served ?? throw ApiProblem.NotFound("this server was started without --model; name a run's model with ?run=NAME");
        return (null, served.Label);
    }

    /// <summary>The 784 pixels of a JSON body, each a whole number 0..255.</summary>
    private static byte[] Pixels(byte[] body)
    {
        PixelsRequest? request;
        try { request = JsonSerializer.Deserialize(body, WebJson.Default.PixelsRequest); }
        catch (JsonException e) { throw ApiProblem.BadRequest($"the body is not valid JSON: {e.Message}"); }
        const int count = PreparedDigit.Side * PreparedDigit.Side;
        if (request?.Pixels is not { } values) throw ApiProblem.BadRequest($"the JSON body needs \"pixels\": an array of {count} numbers 0..255");
        if (values.Length != count) throw ApiProblem.BadRequest($"\"pixels\" has {values.Length} values; a 28 x 28 image has {count}");
        int bad = Array.FindIndex(values, v => v is < 0 or > 255);
        if (bad >= 0) throw ApiProblem.BadRequest($"pixel {bad} is {values[bad]}; pixels are 0..255");
        return [.. values.Select(v => (byte)v)];
    }

    /// <summary>The media type of a Content-Type header, lower case, without parameters ("" when there is none).</summary>
    internal static string MediaType(string? contentType) =>
        (contentType ?? "").Split(';')[0].Trim().ToLowerInvariant();
}

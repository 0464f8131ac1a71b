using System.Reflection;
using Microsoft.AspNetCore.Http;

namespace GpuDigits.Web;

/// <summary>
/// The page's three files (wwwroot/index.html, app.js, style.css), embedded in this assembly and served from memory: no
/// folder beside the binary to lose, and nothing the page needs comes from elsewhere.
/// </summary>
public static class StaticPage
{
    /// <summary>Request path to (resource, content type).</summary>
    public static readonly IReadOnlyDictionary<string, (string Resource, string ContentType)> Files = new Dictionary<string, (string, string)>
    {
        ["/"] = ("wwwroot/index.html", "text/html; charset=utf-8"),
        ["/app.js"] = ("wwwroot/app.js", "text/javascript; charset=utf-8"),
        ["/style.css"] = ("wwwroot/style.css", "text/css; charset=utf-8"),
    };

    private static readonly Dictionary<string, byte[]> Content = Files.Values.ToDictionary(f => f.Resource, f => Read(f.Resource));

    private static byte[] Read(string resource)
    {
        using var stream = typeof(StaticPage).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"The page file {resource} is not embedded in {typeof(StaticPage).Assembly.GetName().Name}.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    public static RequestDelegate Serve(string resource, string contentType) => context =>
    {
        context.Response.ContentType = contentType;
        context.Response.Headers.CacheControl = "no-cache";
        // The page runs only what it brought: its own script and style, no frames, nothing fetched from elsewhere.
        context.Response.Headers.ContentSecurityPolicy =
            "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'";
        context.Response.Headers.XContentTypeOptions = "nosniff";
        var bytes = Content[resource];
        return context.Response.Body.WriteAsync(bytes, context.RequestAborted).AsTask();
    };
}

using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace GpuDigits.Web;

/// <summary>Reads a request body into memory, refusing one longer than a limit before and while it arrives.</summary>
public static class RequestBody
{
    public static async Task<byte[]> ReadAsync(HttpRequest request, long limit, string what, CancellationToken cancellation)
    {
        string TooLarge(string size) => $"{what} is {size}; at most {limit:N0} bytes are read";
        if (request.ContentLength is { } declared && declared > limit) throw ApiProblem.TooLarge(TooLarge($"{declared:N0} bytes"));
        // Kestrel's own limit as well (it ends a body that grows past it, whatever Content-Length said).
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature) feature.MaxRequestBodySize = limit + 1;
        using var buffer = new MemoryStream(request.ContentLength is { } n ? (int)n : 64 << 10);
        var chunk = new byte[64 << 10];
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, cancellation)) > 0)
            {
                if (buffer.Length + read > limit) throw ApiProblem.TooLarge(TooLarge("larger than that"));
                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw ApiProblem.TooLarge(TooLarge("larger than that"));
        }
        return buffer.ToArray();
    }
}

using GpuDigits.Engine;
using GpuDigits.Tests.Engine;
using GpuDigits.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;

namespace GpuDigits.Tests.Web;

/// <summary>The serve app on ASP.NET Core's in-process test server (no socket), on the managed CPU backend.</summary>
internal sealed class TestSite : IAsyncDisposable
{
    private readonly Accelerator _accelerator;
    private readonly ModelStore _models;
    private readonly WebApplication _app;

    private TestSite(Accelerator accelerator, ModelStore models, WebApplication app)
    {
        _accelerator = accelerator;
        _models = models;
        _app = app;
        Client = app.GetTestClient();
    }

    public HttpClient Client { get; }

    /// <summary>
    /// A GET of <paramref name="rawPath"/> exactly as written (an HTTP client would resolve "../" before sending it),
    /// with the answer's status and body.
    /// </summary>
    public async Task<(int Status, string Body)> RawGet(string rawPath)
    {
        var context = await _app.GetTestServer().SendAsync(c =>
        {
            c.Request.Method = "GET";
            c.Request.Path = PathString.FromUriComponent(rawPath);
        });
        using var reader = new StreamReader(context.Response.Body);
        return (context.Response.StatusCode, await reader.ReadToEndAsync());
    }

    public static async Task<TestSite> StartAsync(string? model, string? runs, string? ownData = null, string host = ServeSettings.DefaultHost,
        string? mnist = null)
    {
        var accelerator = TestAccelerators.Catalog.Open("cpu");
        var models = new ModelStore(accelerator, model);
        var app = DigitServer.Build(new ServeSettings(host, 0, runs, ownData, mnist ?? TestData.MnistDirectory()), models, b => b.WebHost.UseTestServer());
        await app.StartAsync();
        return new TestSite(accelerator, models, app);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.DisposeAsync();
        _models.Dispose();
        _accelerator.Dispose();
    }
}

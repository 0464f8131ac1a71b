using System.Net;
using System.Text.Json;
using System.Threading.RateLimiting;
using GpuDigits.Data;
using GpuDigits.Data.Images;
using GpuDigits.Model.Persistence;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GpuDigits.Web;

/// <summary>Where and what <c>gpudigits serve</c> serves.</summary>
/// <param name="Host">The address to listen on: an IP address, <c>localhost</c>, or <c>*</c> for every interface.</param>
/// <param name="Port">The TCP port (0: any free one).</param>
/// <param name="RunsDirectory">The folder whose run folders the page lists (null: none).</param>
/// <param name="OwnDataDirectory">The folder of a data set of one's own, whose test images its models' sheets show (null: none).</param>
/// <param name="MnistDirectory">Where MNIST's test images are read (null: the user cache, where train keeps them).</param>
public sealed record ServeSettings(string Host, int Port, string? RunsDirectory, string? OwnDataDirectory = null, string? MnistDirectory = null)
{
    public const string DefaultHost = "127.0.0.1";
    public const int DefaultPort = 5280;

    /// <summary>Only this machine can connect (the default).</summary>
    public bool Loopback => Host == "localhost" || (IPAddress.TryParse(Host, out var ip) && IPAddress.IsLoopback(ip));
}

/// <summary>
/// The web app of <c>gpudigits serve</c>: the page, <c>/api/info</c>, <c>/api/predict</c> and the runs API. Every refused
/// request gets a 4xx and <c>{"error": "one line"}</c>; anything unexpected a 500 with the exception's type, never a stack
/// trace. Request bodies are bounded (a picture by <see cref="ImageFile.MaxFileBytes"/>, JSON by
/// <see cref="PredictApi.MaxJsonBytes"/>), at most <see cref="ConcurrentRequests"/> requests run at once with
/// <see cref="QueuedRequests"/> more waiting (the rest get a 429), and nothing is written to disk.
/// </summary>
public static class DigitServer
{
    public const int ConcurrentRequests = 8;
    public const int QueuedRequests = 512;

    /// <summary>
    /// Builds the app on <paramref name="models"/>' accelerator; <paramref name="configure"/> may change the builder
    /// before it is built (the tests put ASP.NET Core's in-process test server in place of Kestrel).
    /// </summary>
    public static WebApplication Build(ServeSettings settings, ModelStore models, Action<WebApplicationBuilder>? configure = null)
    {
        // The content root is the program's own folder, so an appsettings.json in the current folder steers nothing.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = "Production",
        });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = ImageFile.MaxFileBytes + 1;
            Listen(kestrel, settings);
        });
        builder.Services.AddRateLimiter(o =>
        {
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(_ => RateLimitPartition.GetConcurrencyLimiter("all",
                _ => new ConcurrencyLimiterOptions { PermitLimit = ConcurrentRequests, QueueLimit = QueuedRequests, QueueProcessingOrder = QueueProcessingOrder.OldestFirst }));
            o.OnRejected = (rejected, cancellation) => Refuse(rejected.HttpContext, StatusCodes.Status429TooManyRequests,
                $"the server is busy ({ConcurrentRequests} requests running, {QueuedRequests} waiting); try again", cancellation);
        });
        configure?.Invoke(builder);

        var app = builder.Build();
        var runs = new RunCatalog(settings.RunsDirectory);
        var sheets = new SheetMaker(models, settings.OwnDataDirectory, settings.MnistDirectory);
        app.Use(Problems);
        // A status the routing sets without a body (404 for a path that names nothing, 405 for GET /api/predict) gets
        // its one line too.
        app.UseStatusCodePages(context =>
        {
            var http = context.HttpContext;
            int status = http.Response.StatusCode;
            string request = $"{http.Request.Method} {RunCatalog.Clip(http.Request.Path.Value ?? "")}";
            return Refuse(http, status, status == StatusCodes.Status404NotFound ? $"there is nothing at {request}"
                : $"{Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status)}: {request}", http.RequestAborted).AsTask();
        });
        if (settings.Loopback) app.Use(LoopbackNamesOnly);
        app.UseRateLimiter();

        foreach (var (path, (resource, type)) in StaticPage.Files) app.MapGet(path, StaticPage.Serve(resource, type));
        app.MapGet("/api/info", context => context.Response.WriteAsJsonAsync(
            new ServerInfo(models.Served?.Label, models.Served?.Model.Spec.ToString(), models.Served?.ClassNames, models.DeviceId, runs.Root is not null),
            WebJson.Relaxed.ServerInfo, cancellationToken: context.RequestAborted));
        app.MapPost("/api/predict", context => PredictApi.Handle(context, models, runs));
        app.MapGet("/api/runs", context => RunsApi.List(context, runs));
        app.MapGet("/api/runs/{name}", context => RunsApi.Detail(context, runs));
        app.MapGet("/api/runs/{name}/chart.svg", context => RunsApi.Chart(context, runs));
        app.MapGet("/api/runs/{name}/sheet.svg", context => RunsApi.Sheet(context, runs, sheets));
        return app;
    }

    private static void Listen(Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions kestrel, ServeSettings settings)
    {
        if (settings.Host == "localhost") kestrel.ListenLocalhost(settings.Port);
        else if (settings.Host == "*") kestrel.ListenAnyIP(settings.Port);
        else kestrel.Listen(IPAddress.Parse(settings.Host), settings.Port);
    }

    /// <summary>Whether <paramref name="host"/> is something serve can listen on; else why not.</summary>
    public static string? CheckHost(string host) =>
        host is "localhost" or "*" || IPAddress.TryParse(host, out _) ? null
            : $"--host takes an IP address (127.0.0.1, 0.0.0.0, ::1), localhost or * (every interface); got '{host}'";

    /// <summary>The names a loopback server answers to.</summary>
    public static readonly IReadOnlySet<string> LoopbackNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "localhost", "127.0.0.1", "[::1]" };

    /// <summary>
    /// On a loopback server, refuses a request that names another host: a page elsewhere cannot reach this server
    /// through a name of its own that resolves to 127.0.0.1 (DNS rebinding).
    /// </summary>
    private static Task LoopbackNamesOnly(HttpContext context, RequestDelegate next)
    {
        var host = context.Request.Host.Host;
        if (host.Contains(':') && !host.StartsWith('[')) host = $"[{host}]";
        if (LoopbackNames.Contains(host)) return next(context);
        throw ApiProblem.BadRequest($"this server answers only to {string.Join(", ", LoopbackNames)}; the request named '{RunCatalog.Clip(context.Request.Host.Value ?? "")}'");
    }

    /// <summary>Turns the exceptions of a request into its one-line 4xx (or a 500 naming the exception's type).</summary>
    private static async Task Problems(HttpContext context, RequestDelegate next)
    {
        try
        {
            await next(context);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away: nobody reads an answer.
        }
        catch (Exception e)
        {
            var (status, reason) = e switch
            {
                ApiProblem p => (p.Status, p.Message),
                BadHttpRequestException b => (b.StatusCode, $"bad request: {b.Message}"),
                DataFormatException d => (StatusCodes.Status400BadRequest, d.Message),
                ModelFormatException m => (StatusCodes.Status422UnprocessableEntity, m.Message),
                JsonException j => (StatusCodes.Status400BadRequest, $"the body is not valid JSON: {j.Message}"),
                _ => (StatusCodes.Status500InternalServerError, $"internal error ({e.GetType().Name}); the server's console has the details"),
            };
            if (status >= 500) Console.Error.WriteLine($"gpudigits serve: {context.Request.Method} {context.Request.Path}: {e.GetType().Name}: {e.Message}");
            if (context.Response.HasStarted) return; // the answer is under way; the client sees it cut short
            await Refuse(context, status, reason, context.RequestAborted);
        }
    }

    private static async ValueTask Refuse(HttpContext context, int status, string reason, CancellationToken cancellation)
    {
        context.Response.Clear();
        context.Response.StatusCode = status;
        string line = string.Join(" ", reason.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        await context.Response.WriteAsJsonAsync(new ErrorBody(line), WebJson.Relaxed.ErrorBody, cancellationToken: cancellation);
    }
}

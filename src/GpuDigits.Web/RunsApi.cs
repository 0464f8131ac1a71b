using GpuDigits.Reports.Plotting;
using Microsoft.AspNetCore.Http;

namespace GpuDigits.Web;

/// <summary>
/// The runs under <c>--runs</c>: <c>GET /api/runs</c> (their summaries), <c>GET /api/runs/NAME</c> (a summary and every
/// epoch of its metrics.csv), <c>GET /api/runs/NAME/chart.svg</c> (its loss and accuracy curves, drawn by the same
/// <see cref="MetricsPlot"/> as <c>gpudigits plot</c>) and <c>GET /api/runs/NAME/sheet.svg</c> (the predictions sheet
/// of its model on the test set, as <c>evaluate --sheet</c> draws it).
/// </summary>
public static class RunsApi
{
    public static Task List(HttpContext context, RunCatalog runs) =>
        context.Response.WriteAsJsonAsync(runs.List(), WebJson.Relaxed.IReadOnlyListRunSummary, cancellationToken: context.RequestAborted);

    public static Task Detail(HttpContext context, RunCatalog runs)
    {
        var dir = runs.Find(Name(context));
        var detail = new RunDetail(runs.Summarize(dir), runs.Metrics(dir, required: false));
        return context.Response.WriteAsJsonAsync(detail, WebJson.Relaxed.RunDetail, cancellationToken: context.RequestAborted);
    }

    public static async Task Chart(HttpContext context, RunCatalog runs)
    {
        var name = Name(context);
        var rows = runs.Metrics(runs.Find(name));
        if (rows.Count == 0) throw ApiProblem.NotFound($"run '{RunCatalog.Clip(name)}' has no epochs yet");
        var svg = new Utf8Text();
        MetricsPlot.Render(svg, [new PlotSeries(name, rows)], $"{name}: loss and accuracy per epoch");
        await Svg(context, svg.ToString());
    }

    public static async Task Sheet(HttpContext context, RunCatalog runs, SheetMaker sheets)
    {
        var name = Name(context);
        var dir = runs.Find(name);
        var model = RunCatalog.ModelOf(dir) ?? throw ApiProblem.NotFound($"run '{RunCatalog.Clip(name)}' has no model file yet");
        await Svg(context, await sheets.SvgAsync(model, $"{name}/{Path.GetFileName(model)}", context.RequestAborted));
    }

    internal static Task Svg(HttpContext context, string svg)
    {
        context.Response.ContentType = "image/svg+xml; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        return context.Response.WriteAsync(svg, context.RequestAborted);
    }

    private static string Name(HttpContext context) => context.Request.RouteValues["name"] as string ?? "";
}

using GpuDigits.Data;
using GpuDigits.Model.Training;
using ScottPlot;
using SkiaSharp;

namespace GpuDigits.Tools.Plotting;

/// <summary>
/// The training curves as a PNG, drawn by ScottPlot: loss (left) and accuracy in % (right) per epoch, one colour per
/// run, train solid and test dashed, as the SVG of <see cref="MetricsPlot"/> shows them. Each panel is rendered on a
/// SkiaSharp surface of its own, both are drawn onto one and encoded once; the file is written atomically.
/// </summary>
public static class MetricsPlotPng
{
    public const int Width = 1200, Height = 460;

    private static readonly string[] Palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"];

    public static void Write(string path, IReadOnlyList<PlotSeries> runs, string? title)
    {
        var loss = Panel(runs, "loss", e => e.TrainLoss, e => e.TestLoss, title is null ? "Loss" : $"{title}: loss");
        var accuracy = Panel(runs, "accuracy (%)", e => e.TrainAccuracy * 100, e => e.TestAccuracy * 100, title is null ? "Accuracy" : $"{title}: accuracy");
        using var surface = SKSurface.Create(new SKImageInfo(Width, Height));
        surface.Canvas.Clear(SKColors.White);
        // Each panel on a surface of its own (a ScottPlot render clears the whole canvas), then side by side.
        foreach (var (plot, left) in new[] { (loss, 0), (accuracy, Width / 2) })
        {
            using var panel = SKSurface.Create(new SKImageInfo(Width / 2, Height));
            plot.Render(panel);
            using var snapshot = panel.Snapshot();
            surface.Canvas.DrawImage(snapshot, left, 0);
        }
        using var image = surface.Snapshot();
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        AtomicFile.WriteAllBytes(path, png.ToArray());
    }

    private static Plot Panel(IReadOnlyList<PlotSeries> runs, string yLabel, Func<EpochMetrics, double> train,
        Func<EpochMetrics, double> test, string title)
    {
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel("epoch");
        plot.YLabel(yLabel);
        for (int r = 0; r < runs.Count; r++)
        {
            var colour = Color.FromHex(Palette[r % Palette.Length]);
            var epochs = runs[r].Epochs.OrderBy(e => e.Epoch).ToList();
            double[] xs = epochs.Select(e => (double)e.Epoch).ToArray();
            var solid = plot.Add.Scatter(xs, epochs.Select(train).ToArray(), colour);
            solid.LegendText = $"{runs[r].Label} train";
            solid.MarkerSize = epochs.Count <= MetricsPlot.MaxMarkedPoints ? 5 : 0;
            var dashed = plot.Add.Scatter(xs, epochs.Select(test).ToArray(), colour);
            dashed.LegendText = $"{runs[r].Label} test";
            dashed.LinePattern = LinePattern.Dashed;
            dashed.MarkerSize = solid.MarkerSize;
        }
        plot.ShowLegend();
        return plot;
    }
}

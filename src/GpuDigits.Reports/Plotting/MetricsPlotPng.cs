using GpuDigits.Data;
using GpuDigits.Files;
using GpuDigits.Model.Training;
using ScottPlot;
using SkiaSharp;

namespace GpuDigits.Reports.Plotting;

/// <summary>
/// The training curves as a PNG, drawn by ScottPlot: loss (left) and accuracy in % (right) per epoch, one colour per
/// run, train solid and test dashed, on the axes of <see cref="MetricsPlot.Axes"/> (the same ranges and tick labels
/// as the SVG). Each panel's legend sits below its data area, where it covers no curve. Each panel is rendered on a
/// SkiaSharp surface of its own, both are drawn onto one and encoded once; the file is written atomically.
/// </summary>
public static class MetricsPlotPng
{
    public const int Width = 1200, Height = 460;

    /// <summary>Width of a legend's line sample: several dash periods, so a dashed test line reads as dashed.</summary>
    public const float LegendSymbolWidth = 48;

    private static readonly string[] Palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"];

    public static void Write(string path, IReadOnlyList<PlotSeries> runs, string? title)
    {
        var (loss, accuracy) = Panels(runs, title);
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

    /// <summary>The two panels, ready to render: loss and accuracy.</summary>
    public static (Plot Loss, Plot Accuracy) Panels(IReadOnlyList<PlotSeries> runs, string? title)
    {
        var (epochs, lossAxis, accuracyAxis) = MetricsPlot.Axes(runs);
        var loss = Panel(runs, "loss", epochs, lossAxis, e => e.TrainLoss, e => e.TestLoss, title is null ? "Loss" : $"{title}: loss");
        var accuracy = Panel(runs, "accuracy (%)", epochs, accuracyAxis, e => e.TrainAccuracy * 100, e => e.TestAccuracy * 100,
            title is null ? "Accuracy" : $"{title}: accuracy");
        return (loss, accuracy);
    }

    private static Plot Panel(IReadOnlyList<PlotSeries> runs, string yLabel, Axis x, Axis y, Func<EpochMetrics, double> train,
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
        plot.Axes.Bottom.SetTicks(x.Ticks().ToArray(), x.Ticks().Select(x.Label).ToArray());
        plot.Axes.Left.SetTicks(y.Ticks().ToArray(), y.Ticks().Select(y.Label).ToArray());
        // The value axis ends exactly at its round ends (the loss at 0, the accuracy at most at 100); the epoch axis
        // gets a margin of 2 % so that the first and last markers are drawn whole.
        double xPad = (x.Max - x.Min) * 0.02;
        plot.Axes.SetLimits(x.Min - xPad, x.Max + xPad, y.Min, y.Max);
        plot.Legend.SymbolWidth = LegendSymbolWidth;
        plot.Legend.Orientation = Orientation.Horizontal;
        plot.ShowLegend(Edge.Bottom);
        return plot;
    }
}

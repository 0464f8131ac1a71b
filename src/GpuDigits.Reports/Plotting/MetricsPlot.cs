using GpuDigits.Data;
using GpuDigits.Files;
using GpuDigits.Model.Training;

namespace GpuDigits.Reports.Plotting;

/// <summary>One run to draw: its legend label and its per-epoch metrics.</summary>
public sealed record PlotSeries(string Label, IReadOnlyList<EpochMetrics> Epochs);

/// <summary>
/// Draws metrics.csv files as a chart, SVG or PNG from one drawing over <see cref="ISheetCanvas"/>: a loss panel and
/// an accuracy panel over the epochs, each run in its own colour, training values as solid lines with filled markers
/// and test values as dashed lines with hollow markers, a legend naming the runs and the two line styles. In the SVG,
/// markers carry tooltips with the exact values and the panels and the legend are groups with ids. (Drawn here rather
/// than by a charting library: ScottPlot's SVG, written through Skia's SVG canvas, has neither tooltips nor groups,
/// and one drawing for both formats keeps them the same chart.)
/// </summary>
public static class MetricsPlot
{
    /// <summary>Run colours, in order; runs beyond the list reuse it.</summary>
    public static IReadOnlyList<string> Palette { get; } =
        ["#1f5fbf", "#d1452b", "#2e9a4a", "#8a4fc4", "#e08a00", "#17a2b8", "#6b6b6b", "#b5386f"];

    public const string TestDash = "7 4";

    private const double Width = 1000;
    private const double PanelWidth = 380, PanelHeight = 290, PanelTop = 70;
    private static readonly double[] PanelLeft = [80, 580];

    /// <summary>Renders <paramref name="runs"/> into <paramref name="path"/>, atomically: PNG for a name ending in .png, else SVG.</summary>
    public static void Write(string path, IReadOnlyList<PlotSeries> runs, string? title = null)
    {
        if (path.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
        {
            var bytes = RenderPng(runs, title);
            AtomicFile.Write(path, stream => stream.Write(bytes));
        }
        else AtomicFile.WriteText(path, writer => Render(writer, runs, title));
    }

    /// <summary>The chart as SVG.</summary>
    public static void Render(TextWriter output, IReadOnlyList<PlotSeries> runs, string? title = null)
    {
        var (height, legend, text) = Prepare(runs, title);
        using var svg = new SvgWriter(output, Width, height, text);
        Draw(svg, runs, legend, text);
    }

    /// <summary>The chart as PNG, drawn at twice its size in pixels (<see cref="PngScale"/>).</summary>
    public static byte[] RenderPng(IReadOnlyList<PlotSeries> runs, string? title = null)
    {
        var (height, legend, text) = Prepare(runs, title);
        using var png = new PngCanvas(Width, height, PngScale);
        Draw(png, runs, legend, text);
        return png.EncodePng();
    }

    /// <summary>Device pixels per unit of a PNG chart.</summary>
    public const float PngScale = 2;

    /// <summary>The chart's width and height in units (pixels of the SVG at 100 %).</summary>
    public static (double Width, double Height) Size(IReadOnlyList<PlotSeries> runs) => (Width, Prepare(runs, null).Height);

    private static (double Height, Legend Legend, string Title) Prepare(IReadOnlyList<PlotSeries> runs, string? title)
    {
        ArgumentNullException.ThrowIfNull(runs);
        if (runs.Count == 0) throw new ArgumentException("Nothing to plot: no runs.", nameof(runs));
        foreach (var r in runs)
            if (r.Epochs.Count == 0) throw new ArgumentException($"Run '{r.Label}' has no epochs to plot.", nameof(runs));
        title ??= runs.Count == 1 ? $"{runs[0].Label}: loss and accuracy per epoch" : "Loss and accuracy per epoch";
        var legend = LegendLayout(runs);
        return (PanelTop + PanelHeight + 80 + legend.Rows * 24 + 10, legend, title);
    }

    private static void Draw(ISheetCanvas svg, IReadOnlyList<PlotSeries> runs, Legend legend, string title)
    {
        svg.Text(Width / 2, 32, title, 18, anchor: "middle", bold: true);

        var (x, lossAxis, accAxis) = Axes(runs);
        Panel(svg, 0, "Loss (cross-entropy)", "loss", x, lossAxis, runs, e => e.TrainLoss, e => e.TestLoss, v => v.ToString("G5"));
        Panel(svg, 1, "Accuracy", "accuracy (%)", x, accAxis, runs, e => e.TrainAccuracy * 100, e => e.TestAccuracy * 100, v => $"{v:F2} %");

        DrawLegend(svg, runs, legend, PanelTop + PanelHeight + 70);
    }

    /// <summary>
    /// The three axes of the chart: epochs; loss from 0 (a loss is never negative) up to the largest
    /// finite value; accuracy in % over the values shown, never past 100.
    /// </summary>
    public static (Axis Epochs, Axis Loss, Axis Accuracy) Axes(IReadOnlyList<PlotSeries> runs)
    {
        int lastEpoch = runs.Max(r => r.Epochs.Max(e => e.Epoch));
        int firstEpoch = runs.Min(r => r.Epochs.Min(e => e.Epoch));
        var x = Axis.Nice(Math.Min(firstEpoch, 1), lastEpoch, Math.Min(Math.Max(lastEpoch, 2), 10), minimumStep: 1);

        var losses = runs.SelectMany(r => r.Epochs.SelectMany(e => new[] { e.TrainLoss, e.TestLoss })).Where(double.IsFinite).ToList();
        var loss = Axis.Nice(0, losses.Count > 0 ? Math.Max(0, losses.Max()) : 1);

        var accuracies = runs.SelectMany(r => r.Epochs.SelectMany(e => new[] { e.TrainAccuracy, e.TestAccuracy }))
            .Where(double.IsFinite).Select(a => a * 100).ToList();
        if (accuracies.Count == 0) accuracies = [0, 100];
        var accuracy = Axis.Nice(accuracies.Min(), Math.Min(100, accuracies.Max()));
        if (accuracy.Max > 100) accuracy = accuracy with { Max = Math.Max(100, accuracy.Min + accuracy.Step) };
        return (x, loss, accuracy);
    }

    private static void Panel(ISheetCanvas svg, int index, string title, string yLabel, Axis x, Axis y,
        IReadOnlyList<PlotSeries> runs, Func<EpochMetrics, double> train, Func<EpochMetrics, double> test, Func<double, string> format)
    {
        double left = PanelLeft[index], top = PanelTop, right = left + PanelWidth, bottom = top + PanelHeight;
        double X(double v) => x.Map(v, left, right);
        double Y(double v) => y.Map(v, bottom, top);

        svg.StartGroup(id: $"panel-{yLabel.Split(' ')[0]}");
        svg.Text((left + right) / 2, top - 12, title, 14, anchor: "middle", bold: true);
        foreach (double t in y.Ticks())
        {
            svg.Line(left, Y(t), right, Y(t), "#e4e4e4");
            svg.Line(left - 5, Y(t), left, Y(t), "#444444");
            svg.Text(left - 8, Y(t) + 4, y.Label(t), 11, "#444444", anchor: "end");
        }
        foreach (double t in x.Ticks())
        {
            svg.Line(X(t), bottom, X(t), bottom + 5, "#444444");
            svg.Text(X(t), bottom + 18, x.Label(t), 11, "#444444", anchor: "middle");
        }
        svg.Rect(left, top, PanelWidth, PanelHeight, "none", "#444444");
        svg.Text((left + right) / 2, bottom + 38, "epoch", 12, "#444444", anchor: "middle");
        svg.Text(left - 52, (top + bottom) / 2, yLabel, 12, "#444444", anchor: "middle", rotate: -90);

        for (int r = 0; r < runs.Count; r++)
        {
            string colour = Palette[r % Palette.Count];
            var epochs = runs[r].Epochs.OrderBy(e => e.Epoch).ToList();
            foreach (var (kind, value, dash) in new[] { ("train", train, (string?)null), ("test", test, TestDash) })
            {
                var points = Thin(epochs.Where(e => double.IsFinite(value(e))).Select(e => (e.Epoch, V: value(e))).ToList());
                svg.StartGroup(cssClass: $"series {kind}");
                svg.Polyline(points.Select(p => (X(p.Epoch), Y(p.V))), colour, 2, dash, tooltip: $"{runs[r].Label} {kind}");
                if (points.Count <= MaxMarkedPoints)
                    foreach (var p in points)
                        svg.Circle(X(p.Epoch), Y(p.V), 3, kind == "train" ? colour : "#ffffff", colour, 1.5,
                            tooltip: $"{runs[r].Label}, epoch {p.Epoch}: {kind} {yLabel.Split(' ')[0]} {format(p.V)}");
                svg.EndGroup();
            }
        }
        svg.EndGroup();
    }

    /// <summary>Points drawn per series at most: a plot is a few hundred pixels wide, so a million-row CSV must not
    /// become a million-vertex SVG (hundreds of MB). Evenly spaced rows are kept, the first and last always.</summary>
    public const int MaxPlottedPoints = 1000;

    /// <summary>Series with more points than this get a line without a marker per epoch.</summary>
    public const int MaxMarkedPoints = 200;

    private static List<(int Epoch, double V)> Thin(List<(int Epoch, double V)> points)
    {
        if (points.Count <= MaxPlottedPoints) return points;
        var kept = new List<(int, double)>(MaxPlottedPoints);
        for (int i = 0; i < MaxPlottedPoints; i++)
            kept.Add(points[(int)((long)i * (points.Count - 1) / (MaxPlottedPoints - 1))]);
        return kept;
    }

    private sealed record Legend(int Rows, IReadOnlyList<(double X, int Row)> Places, double KeyX, int KeyRow);

    private static double LabelWidth(string label) => 7.2 * label.Length;

    private static Legend LegendLayout(IReadOnlyList<PlotSeries> runs)
    {
        double start = PanelLeft[0], limit = Width - 40, xPos = start;
        int row = 0;
        var places = new List<(double, int)>();
        foreach (var r in runs)
        {
            double w = 34 + LabelWidth(r.Label) + 24;
            if (xPos + w > limit && xPos > start) { row++; xPos = start; }
            places.Add((xPos, row));
            xPos += w;
        }
        const double keyWidth = 190;
        if (xPos + keyWidth > limit && xPos > start) { row++; xPos = start; }
        return new Legend(row + 1, places, xPos, row);
    }

    private static void DrawLegend(ISheetCanvas svg, IReadOnlyList<PlotSeries> runs, Legend legend, double top)
    {
        svg.StartGroup(id: "legend");
        for (int r = 0; r < runs.Count; r++)
        {
            var (x, row) = legend.Places[r];
            double y = top + row * 24;
            string colour = Palette[r % Palette.Count];
            svg.Line(x, y - 4, x + 26, y - 4, colour, 3);
            svg.Text(x + 34, y, runs[r].Label, 12);
        }
        double kx = legend.KeyX, ky = top + legend.KeyRow * 24;
        svg.Line(kx, ky - 4, kx + 26, ky - 4, "#444444", 2);
        svg.Text(kx + 32, ky, "train", 12, "#444444");
        svg.Line(kx + 80, ky - 4, kx + 106, ky - 4, "#444444", 2, TestDash);
        svg.Text(kx + 112, ky, "test", 12, "#444444");
        svg.EndGroup();
    }

    /// <summary>
    /// Legend labels for CSV paths: the name of each file's folder (a run folder), or the file name without
    /// extension where folder names repeat, with " (2)", " (3)"... where even those repeat.
    /// </summary>
    public static IReadOnlyList<string> DefaultLabels(IReadOnlyList<string> csvPaths)
    {
        string Folder(string p) => Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(p))!) is { Length: > 0 } f ? f : Path.GetFileNameWithoutExtension(p);
        var labels = csvPaths.Select(Folder).ToArray();
        if (labels.Distinct().Count() != labels.Length)
            labels = csvPaths.Select((p, i) => labels.Count(l => l == labels[i]) > 1 ? Path.GetFileNameWithoutExtension(p) : labels[i]).ToArray();
        var seen = new Dictionary<string, int>();
        for (int i = 0; i < labels.Length; i++)
        {
            seen[labels[i]] = seen.GetValueOrDefault(labels[i]) + 1;
            if (seen[labels[i]] > 1) labels[i] = $"{labels[i]} ({seen[labels[i]]})";
        }
        return labels;
    }
}

using System.Globalization;
using System.Xml.Linq;
using GpuDigits.Model.Training;
using GpuDigits.Reports.Plotting;
using NUnit.Framework;

namespace GpuDigits.Tests.Reports;

/// <summary>
/// The metrics chart, one drawing in two formats: the legend below the panels, a loss axis from 0 and an accuracy axis
/// no higher than 100 %, short tick labels for huge values, and a PNG that is the SVG's drawing rasterized.
/// </summary>
public sealed class MetricsChartTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    /// <summary>Two runs of 10 epochs whose test losses are flat at the end, where a legend in a corner would sit.</summary>
    private static List<PlotSeries> Runs(double lossScale = 1) =>
    [
        new("relu", Enumerable.Range(1, 10).Select(e => new EpochMetrics(e, lossScale * 0.25 / e, 0.93 + e * 0.006, lossScale * (0.07 + 0.06 / e),
            0.957 + e * 0.002, 0.05, 0.2, 250_000, "cpu")).ToList()),
        new("sigmoid", Enumerable.Range(1, 10).Select(e => new EpochMetrics(e, lossScale * 0.5 / e, 0.85 + e * 0.013, lossScale * (0.085 + 0.15 / e),
            0.93 + e * 0.0043, 0.05, 0.2, 250_000, "cpu")).ToList()),
    ];

    private static XDocument RenderSvg(IReadOnlyList<PlotSeries> runs)
    {
        var writer = new StringWriter();
        MetricsPlot.Render(writer, runs);
        return XDocument.Parse(writer.ToString());
    }

    private static double Number(XElement e, string attribute) => double.Parse((string)e.Attribute(attribute)!, CultureInfo.InvariantCulture);

    [Test]
    public void TheLegendSitsBelowBothPanels()
    {
        var doc = RenderSvg(Runs());
        var frames = doc.Descendants(Svg + "g").Where(g => ((string?)g.Attribute("id"))?.StartsWith("panel-") == true)
            .Select(g => g.Elements(Svg + "rect").Single()).ToList();
        Assert.That(frames, Has.Count.EqualTo(2));
        double bottom = frames.Max(r => Number(r, "y") + Number(r, "height"));
        var legend = doc.Descendants(Svg + "g").Single(g => (string?)g.Attribute("id") == "legend");
        var tops = legend.Elements(Svg + "line").Select(l => Math.Min(Number(l, "y1"), Number(l, "y2")))
            .Concat(legend.Elements(Svg + "text").Select(t => Number(t, "y") - 12)).ToList();
        Assert.That(tops, Has.All.GreaterThan(bottom), "every legend entry below the data areas");
        Assert.That(legend.Elements(Svg + "text").Select(t => t.Value), Is.EqualTo(new[] { "relu", "sigmoid", "train", "test" }));
    }

    [Test]
    public void TheLossAxisStartsAtZeroAndAccuracyStopsAt100()
    {
        var (_, loss, accuracy) = MetricsPlot.Axes(Runs());
        Assert.That(loss.Min, Is.EqualTo(0));
        Assert.That(loss.Ticks().Select(loss.Label), Has.None.StartWith("-"));
        Assert.That(accuracy.Max, Is.LessThanOrEqualTo(100));
        Assert.That(accuracy.Min, Is.LessThanOrEqualTo(93), "the lowest accuracy is in view");
    }

    [TestCase(1e308)]
    [TestCase(1.7e308)]
    [TestCase(12_345_678.0)]
    public void HugeFiniteValuesGetShortTickLabels(double scale)
    {
        var svgTicks = RenderSvg(Runs(scale / 0.25)).Descendants(Svg + "g").Single(g => (string?)g.Attribute("id") == "panel-loss")
            .Elements(Svg + "text").Select(t => t.Value).Where(t => t.Length > 0 && (char.IsDigit(t[0]) || t[0] == '-')).ToList();
        Assert.That(svgTicks, Has.Count.GreaterThan(2));
        Assert.That(svgTicks, Has.All.Length.LessThanOrEqualTo(9), string.Join(" | ", svgTicks));
    }

    [TestCase(0, 0.55, 0.1, "0.3")]
    [TestCase(0, 2e307, 5e306, "1e+307")]
    [TestCase(0, 3e-7, 5e-8, "1.5e-7")]
    public void AxisLabelsAreShort(double min, double max, double step, string label)
    {
        var axis = new Axis(min, max, step);
        var labels = axis.Ticks().Select(axis.Label).ToList();
        Assert.That(labels, Does.Contain(label));
        Assert.That(labels, Has.All.Length.LessThanOrEqualTo(9));
    }

    [Test]
    public void ThePngIsTheSameDrawingRasterized()
    {
        // 250 epochs: more than MaxMarkedPoints, so the runs' colours on the right come from the accuracy curves alone.
        var runs = Runs().Select(r => r with
        {
            Epochs = Enumerable.Range(0, 25).SelectMany(k => r.Epochs.Select(e => e with { Epoch = 10 * k + e.Epoch })).ToList(),
        }).ToList();
        var (width, height) = MetricsPlot.Size(runs);
        using var bitmap = SkiaSharp.SKBitmap.Decode(MetricsPlot.RenderPng(runs));
        Assert.That((bitmap.Width, bitmap.Height), Is.EqualTo(((int)Math.Ceiling(width * MetricsPlot.PngScale), (int)Math.Ceiling(height * MetricsPlot.PngScale))));
        Assert.That(bitmap.GetPixel(1, 1), Is.EqualTo(SkiaSharp.SKColors.White), "a white background");
        // Each run's colour, exactly, in the left (loss, and the legend) and the right (accuracy) half: the curves of both panels.
        foreach (var (run, colour) in new[] { ("relu", MetricsPlot.Palette[0]), ("sigmoid", MetricsPlot.Palette[1]) })
        {
            var c = SkiaSharp.SKColor.Parse(colour);
            int left = 0, right = 0;
            for (int y = 0; y < bitmap.Height; y++)
                for (int x = 0; x < bitmap.Width; x++)
                    if (bitmap.GetPixel(x, y) == c) { if (x < bitmap.Width / 2) left++; else right++; }
            Assert.That(left, Is.GreaterThan(200), $"{run} in the loss panel");
            Assert.That(right, Is.GreaterThan(200), $"{run} in the accuracy panel");
        }
    }
}

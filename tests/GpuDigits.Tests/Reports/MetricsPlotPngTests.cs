using System.Xml.Linq;
using GpuDigits.Model.Training;
using GpuDigits.Reports.Plotting;
using NUnit.Framework;
using ScottPlot;

namespace GpuDigits.Tests.Reports;

/// <summary>
/// The PNG chart as ScottPlot draws it: the legend outside the data area, dashed test entries that look dashed, a loss
/// axis from 0 and an accuracy axis no higher than 100 %, and short tick labels for huge values (in the SVG too).
/// </summary>
public sealed class MetricsPlotPngTests
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

    [Test]
    public void TheLegendCoversNoPartOfTheDataArea()
    {
        foreach (var plot in Panels(Runs()))
        {
            // The curves hidden, their legend entries kept: whatever dark pixel is left inside the data area is the
            // legend's (the grid is light gray, the background white).
            foreach (var plottable in plot.GetPlottables()) plottable.IsVisible = false;
            plot.Legend.ShowItemsFromHiddenPlottables = true;
            var image = plot.GetImage(MetricsPlotPng.Width / 2, MetricsPlotPng.Height);
            var area = plot.RenderManager.LastRender.DataRect;
            using var bitmap = SkiaSharp.SKBitmap.Decode(image.GetImageBytes(ImageFormat.Png));
            int dark = 0;
            for (int y = (int)area.Top + 2; y < (int)area.Bottom - 2; y++)
                for (int x = (int)area.Left + 2; x < (int)area.Right - 2; x++)
                {
                    var c = bitmap.GetPixel(x, y);
                    if (c.Red + c.Green + c.Blue < 3 * 150) dark++;
                }
            Assert.That(dark, Is.Zero, $"{plot.Axes.Left.Label.Text}: dark pixels inside the data area");
            Assert.That(plot.Legend.GetItems().Select(i => i.LabelText), Is.EquivalentTo(new[] { "relu train", "relu test", "sigmoid train", "sigmoid test" }),
                "the legend is still there, outside");
        }
    }

    [Test]
    public void TestEntriesAreDashedAndLongEnoughToShowIt()
    {
        foreach (var plot in Panels(Runs()))
        {
            var tests = plot.Legend.GetItems().Where(i => i.LabelText.EndsWith(" test")).ToList();
            Assert.That(tests, Has.Count.EqualTo(2));
            foreach (var item in tests)
            {
                Assert.That(item.LinePattern.Intervals, Is.EqualTo(LinePattern.Dashed.Intervals), item.LabelText);
                float period = item.LinePattern.Intervals!.Sum();
                Assert.That(plot.Legend.SymbolWidth, Is.GreaterThanOrEqualTo(2 * period), "at least two dashes and gaps in the sample");
            }
        }
    }

    [Test]
    public void TheLossAxisStartsAtZeroAndAccuracyStopsAt100()
    {
        var (loss, accuracy) = MetricsPlotPng.Panels(Runs(), null);
        loss.GetImage(600, 460);
        accuracy.GetImage(600, 460);
        Assert.That(loss.Axes.GetLimits().Bottom, Is.EqualTo(0));
        Assert.That(loss.Axes.Left.TickGenerator.Ticks.Where(t => t.IsMajor).Select(t => t.Label), Has.None.StartWith("-"));
        Assert.That(accuracy.Axes.GetLimits().Top, Is.LessThanOrEqualTo(100));
        Assert.That(accuracy.Axes.GetLimits().Bottom, Is.LessThanOrEqualTo(93), "the lowest accuracy is in view");
    }

    [TestCase(1e308)]
    [TestCase(1.7e308)]
    [TestCase(12_345_678.0)]
    public void HugeFiniteValuesGetShortTickLabels(double scale)
    {
        var runs = Runs(scale / 0.25);
        var (loss, _) = MetricsPlotPng.Panels(runs, null);
        loss.GetImage(600, 460);
        var labels = loss.Axes.Left.TickGenerator.Ticks.Where(t => t.IsMajor).Select(t => t.Label).ToList();
        Assert.That(labels, Is.Not.Empty);
        Assert.That(labels, Has.All.Length.LessThanOrEqualTo(9), string.Join(" | ", labels));

        var writer = new StringWriter();
        MetricsPlot.Render(writer, runs);
        var svgTicks = XDocument.Parse(writer.ToString()).Descendants(Svg + "g").Single(g => (string?)g.Attribute("id") == "panel-loss")
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

    private static Plot[] Panels(IReadOnlyList<PlotSeries> runs)
    {
        var (loss, accuracy) = MetricsPlotPng.Panels(runs, null);
        return [loss, accuracy];
    }
}

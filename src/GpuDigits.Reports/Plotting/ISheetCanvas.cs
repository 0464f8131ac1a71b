namespace GpuDigits.Reports.Plotting;

/// <summary>
/// What the drawn sheets and the metrics chart need from a surface: rectangles, lines, polylines, circles, text, gray
/// pictures and groups. <see cref="SvgWriter"/> writes them as SVG elements (with their tooltips, ids and classes),
/// <see cref="PngCanvas"/> rasterizes them with SkiaSharp, so one drawing routine makes both formats. Coordinates are
/// pixels at 100 %; colours are #rrggbb; a dash is SVG's stroke-dasharray ("7 4").
/// </summary>
public interface ISheetCanvas
{
    void Rect(double x, double y, double w, double h, string fill, string? stroke = null, double strokeWidth = 1, string? tooltip = null);

    void Line(double x1, double y1, double x2, double y2, string stroke, double width = 1, string? dash = null);

    /// <summary>An open line through <paramref name="points"/>, round joins, no fill.</summary>
    void Polyline(IEnumerable<(double X, double Y)> points, string stroke, double width, string? dash = null, string? tooltip = null);

    void Circle(double cx, double cy, double r, string fill, string? stroke = null, double strokeWidth = 1, string? tooltip = null);

    /// <summary>Text at (x, y) on its baseline; <paramref name="anchor"/> is start, middle or end.</summary>
    void Text(double x, double y, string text, double size, string fill = "#222222", string anchor = "start",
        bool bold = false, double rotate = 0, string? cssClass = null);

    /// <summary>A gray picture of <paramref name="width"/> x <paramref name="height"/> pixels drawn into the box, pixel for pixel sharp.</summary>
    void Gray(double x, double y, double w, double h, int width, int height, byte[] pixels);

    /// <summary>Opens a group (closed by <see cref="EndGroup"/>): an SVG &lt;g&gt; with an id, class and tooltip; nothing in a raster.</summary>
    void StartGroup(string? id = null, string? tooltip = null, string? cssClass = null);

    void EndGroup();
}

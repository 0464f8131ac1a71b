using System.Globalization;
using System.Text;
using System.Xml;

namespace GpuDigits.Reports.Plotting;

/// <summary>
/// Writes an SVG document through <see cref="XmlWriter"/>, so every name and text is escaped and the result is
/// well-formed XML. Coordinates are user units (pixels at 100 %), formatted with the invariant culture.
/// </summary>
public sealed class SvgWriter : ISheetCanvas, IDisposable
{
    public const string Namespace = "http://www.w3.org/2000/svg";

    private readonly XmlWriter _xml;
    private int _depth;

    public SvgWriter(TextWriter output, double width, double height, string title)
    {
        _xml = XmlWriter.Create(output, new XmlWriterSettings
        {
            Indent = true,
            IndentChars = " ",
            Encoding = new UTF8Encoding(false),
            CloseOutput = false,
        });
        _xml.WriteStartDocument();
        _xml.WriteStartElement("svg", Namespace);
        Attr("width", width);
        Attr("height", height);
        _xml.WriteAttributeString("viewBox", $"0 0 {Number(width)} {Number(height)}");
        _xml.WriteAttributeString("font-family", "Helvetica, Arial, sans-serif");
        _xml.WriteElementString("title", Namespace, title);
        Rect(0, 0, width, height, "#ffffff");
    }

    /// <summary>A number with at most two decimals, invariant culture.</summary>
    public static string Number(double v) => Math.Round(v, 2).ToString("0.##", CultureInfo.InvariantCulture);

    public void Rect(double x, double y, double w, double h, string fill, string? stroke = null, double strokeWidth = 1, string? tooltip = null)
    {
        Start("rect");
        Attr("x", x); Attr("y", y); Attr("width", w); Attr("height", h);
        Paint(fill, stroke, strokeWidth);
        Tooltip(tooltip);
        End();
    }

    public void Line(double x1, double y1, double x2, double y2, string stroke, double width = 1, string? dash = null)
    {
        Start("line");
        Attr("x1", x1); Attr("y1", y1); Attr("x2", x2); Attr("y2", y2);
        _xml.WriteAttributeString("stroke", stroke);
        Attr("stroke-width", width);
        if (dash is not null) _xml.WriteAttributeString("stroke-dasharray", dash);
        End();
    }

    public void Polyline(IEnumerable<(double X, double Y)> points, string stroke, double width, string? dash = null, string? tooltip = null)
    {
        Start("polyline");
        _xml.WriteAttributeString("points", string.Join(" ", points.Select(p => $"{Number(p.X)},{Number(p.Y)}")));
        _xml.WriteAttributeString("fill", "none");
        _xml.WriteAttributeString("stroke", stroke);
        Attr("stroke-width", width);
        _xml.WriteAttributeString("stroke-linejoin", "round");
        if (dash is not null) _xml.WriteAttributeString("stroke-dasharray", dash);
        Tooltip(tooltip);
        End();
    }

    public void Circle(double cx, double cy, double r, string fill, string? stroke = null, double strokeWidth = 1, string? tooltip = null)
    {
        Start("circle");
        Attr("cx", cx); Attr("cy", cy); Attr("r", r);
        Paint(fill, stroke, strokeWidth);
        Tooltip(tooltip);
        End();
    }

    /// <summary>Text at (x, y) on its baseline; <paramref name="anchor"/> is start, middle or end.</summary>
    public void Text(double x, double y, string text, double size, string fill = "#222222", string anchor = "start",
        bool bold = false, double rotate = 0, string? cssClass = null)
    {
        Start("text");
        Attr("x", x); Attr("y", y);
        Attr("font-size", size);
        if (anchor != "start") _xml.WriteAttributeString("text-anchor", anchor);
        if (bold) _xml.WriteAttributeString("font-weight", "bold");
        _xml.WriteAttributeString("fill", fill);
        if (rotate != 0) _xml.WriteAttributeString("transform", $"rotate({Number(rotate)} {Number(x)} {Number(y)})");
        if (cssClass is not null) _xml.WriteAttributeString("class", cssClass);
        _xml.WriteString(text);
        End();
    }

    /// <summary>An embedded PNG, as a data URI.</summary>
    public void Png(double x, double y, double w, double h, byte[] png, string? tooltip = null)
    {
        Start("image");
        Attr("x", x); Attr("y", y); Attr("width", w); Attr("height", h);
        _xml.WriteAttributeString("href", "data:image/png;base64," + Convert.ToBase64String(png));
        _xml.WriteAttributeString("preserveAspectRatio", "none");
        Tooltip(tooltip);
        End();
    }

    /// <summary>A gray picture as an embedded PNG, enlarged by whole pixels so viewers that smooth images keep it sharp.</summary>
    public void Gray(double x, double y, double w, double h, int width, int height, byte[] pixels)
    {
        int zoom = Math.Max(1, (int)Math.Round(Math.Min(w / width, h / height)));
        Png(x, y, w, h, Data.Images.PngWriter.EncodeGray(width * zoom, height * zoom, PixelZoom.Enlarge(pixels, height, width, zoom)));
    }

    /// <summary>Opens a &lt;g&gt; group (closed by <see cref="EndGroup"/>), with an optional id and tooltip.</summary>
    public void StartGroup(string? id = null, string? tooltip = null, string? cssClass = null)
    {
        Start("g");
        if (id is not null) _xml.WriteAttributeString("id", id);
        if (cssClass is not null) _xml.WriteAttributeString("class", cssClass);
        Tooltip(tooltip);
    }

    public void EndGroup() => End();

    private void Start(string element)
    {
        _xml.WriteStartElement(element, Namespace);
        _depth++;
    }

    private void End()
    {
        _xml.WriteEndElement();
        _depth--;
    }

    /// <summary>The fill, and the outline when there is one, of a closed shape.</summary>
    private void Paint(string fill, string? stroke, double strokeWidth)
    {
        _xml.WriteAttributeString("fill", fill);
        if (stroke is null) return;
        _xml.WriteAttributeString("stroke", stroke);
        Attr("stroke-width", strokeWidth);
    }

    private void Attr(string name, double value) => _xml.WriteAttributeString(name, Number(value));

    private void Tooltip(string? text)
    {
        if (text is not null) _xml.WriteElementString("title", Namespace, text);
    }

    /// <summary>Closes every open element and the document.</summary>
    public void Dispose()
    {
        while (_depth > 0) End();
        _xml.WriteEndElement();
        _xml.WriteEndDocument();
        _xml.Flush();
        _xml.Dispose();
    }
}

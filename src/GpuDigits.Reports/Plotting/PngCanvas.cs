using System.Globalization;
using SkiaSharp;

namespace GpuDigits.Reports.Plotting;

/// <summary>
/// A <see cref="ISheetCanvas"/> that rasterizes with SkiaSharp into a white picture, drawn at <c>scale</c> device
/// pixels per unit (2 by default: sharp on high-density screens), and encodes it as PNG.
/// </summary>
public sealed class PngCanvas : ISheetCanvas, IDisposable
{
    private readonly SKSurface _surface;
    private readonly SKCanvas _canvas;
    private readonly SKTypeface _regular = Typeface(false);
    private readonly SKTypeface _bold = Typeface(true);

    /// <summary>
    /// A sans-serif face: by family name where Skia can list the system's fonts, else from the usual font files (the
    /// dependency-free native Skia build has no font manager on Linux), else Skia's default.
    /// </summary>
    private static SKTypeface Typeface(bool bold)
    {
        var style = bold ? SKFontStyle.Bold : SKFontStyle.Normal;
        foreach (var family in new[] { "DejaVu Sans", "Liberation Sans", "Arial", "Helvetica" })
            if (SKTypeface.FromFamilyName(family, style) is { GlyphCount: > 0 } face && face.FamilyName == family) return face;
        string name = bold ? "DejaVuSans-Bold.ttf" : "DejaVuSans.ttf";
        foreach (var dir in new[] { "/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/TTF", "/usr/share/fonts/dejavu" })
            if (File.Exists(Path.Combine(dir, name)) && SKTypeface.FromFile(Path.Combine(dir, name)) is { } face) return face;
        return SKTypeface.Default;
    }

    public PngCanvas(double width, double height, float scale = 2)
    {
        int w = (int)Math.Ceiling(width * scale), h = (int)Math.Ceiling(height * scale);
        _surface = SKSurface.Create(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Premul))
                   ?? throw new InvalidOperationException($"SkiaSharp could not make a {w} x {h} picture.");
        _canvas = _surface.Canvas;
        _canvas.Clear(SKColors.White);
        _canvas.Scale(scale);
    }

    private static SKColor Colour(string hex) =>
        SKColor.TryParse(hex, out var c) ? c : throw new ArgumentException($"'{hex}' is not a #rrggbb colour.");

    public void Rect(double x, double y, double w, double h, string fill, string? stroke = null, double strokeWidth = 1, string? tooltip = null)
    {
        var box = new SKRect((float)x, (float)y, (float)(x + w), (float)(y + h));
        if (fill != "none")
            using (var paint = new SKPaint { Color = Colour(fill), Style = SKPaintStyle.Fill }) _canvas.DrawRect(box, paint);
        if (stroke is null) return;
        using var edge = new SKPaint { Color = Colour(stroke), Style = SKPaintStyle.Stroke, StrokeWidth = (float)strokeWidth, IsAntialias = true };
        _canvas.DrawRect(box, edge);
    }

    /// <summary>A stroke paint, dashed as SVG's stroke-dasharray says (an odd list repeats, as in SVG).</summary>
    private static SKPaint Stroke(string colour, double width, string? dash)
    {
        var paint = new SKPaint
        {
            Color = Colour(colour), Style = SKPaintStyle.Stroke, StrokeWidth = (float)width, IsAntialias = true,
            StrokeJoin = SKStrokeJoin.Round,
        };
        if (dash is not null)
        {
            var intervals = dash.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries).Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            if (intervals.Length % 2 == 1) intervals = [.. intervals, .. intervals];
            paint.PathEffect = SKPathEffect.CreateDash(intervals, 0);
        }
        return paint;
    }

    public void Line(double x1, double y1, double x2, double y2, string stroke, double width = 1, string? dash = null)
    {
        using var paint = Stroke(stroke, width, dash);
        _canvas.DrawLine((float)x1, (float)y1, (float)x2, (float)y2, paint);
    }

    public void Polyline(IEnumerable<(double X, double Y)> points, string stroke, double width, string? dash = null, string? tooltip = null)
    {
        using var path = new SKPath();
        bool first = true;
        foreach (var (x, y) in points)
        {
            if (first) path.MoveTo((float)x, (float)y);
            else path.LineTo((float)x, (float)y);
            first = false;
        }
        using var paint = Stroke(stroke, width, dash);
        _canvas.DrawPath(path, paint);
    }

    public void Circle(double cx, double cy, double r, string fill, string? stroke = null, double strokeWidth = 1, string? tooltip = null)
    {
        if (fill != "none")
            using (var paint = new SKPaint { Color = Colour(fill), Style = SKPaintStyle.Fill, IsAntialias = true })
                _canvas.DrawCircle((float)cx, (float)cy, (float)r, paint);
        if (stroke is null) return;
        using var edge = Stroke(stroke, strokeWidth, null);
        _canvas.DrawCircle((float)cx, (float)cy, (float)r, edge);
    }

    public void Text(double x, double y, string text, double size, string fill = "#222222", string anchor = "start",
        bool bold = false, double rotate = 0, string? cssClass = null)
    {
        using var font = new SKFont(bold ? _bold : _regular, (float)size);
        using var paint = new SKPaint { Color = Colour(fill), IsAntialias = true };
        var align = anchor switch { "middle" => SKTextAlign.Center, "end" => SKTextAlign.Right, _ => SKTextAlign.Left };
        _canvas.Save();
        if (rotate != 0) _canvas.RotateDegrees((float)rotate, (float)x, (float)y);
        _canvas.DrawText(text, (float)x, (float)y, align, font, paint);
        _canvas.Restore();
    }

    public unsafe void Gray(double x, double y, double w, double h, int width, int height, byte[] pixels)
    {
        var info = new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque);
        fixed (byte* p = pixels)
        {
            using var image = SKImage.FromPixelCopy(info, (nint)p, width)
                              ?? throw new ArgumentException($"Cannot make a {width} x {height} gray picture from {pixels.Length} bytes.");
            // Nearest neighbour: each pixel stays a sharp square, as in the SVG (which embeds an enlarged PNG).
            _canvas.DrawImage(image, new SKRect((float)x, (float)y, (float)(x + w), (float)(y + h)),
                new SKSamplingOptions(SKFilterMode.Nearest, SKMipmapMode.None));
        }
    }

    public void StartGroup(string? id = null, string? tooltip = null, string? cssClass = null) { }

    public void EndGroup() { }

    /// <summary>The picture so far, as a PNG file.</summary>
    public byte[] EncodePng()
    {
        using var image = _surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    public void Dispose()
    {
        _surface.Dispose();
        _regular.Dispose();
        _bold.Dispose();
    }
}

using GpuDigits.Tests.Images;

namespace GpuDigits.Tests.Viz;

/// <summary>A grayscale raster for drawing test digits: thick anti-aliased strokes on a plain background.</summary>
internal sealed class Drawing(int width, int height, byte background)
{
    public int Width { get; } = width;
    public int Height { get; } = height;
    public byte[] Pixels { get; } = Enumerable.Repeat(background, width * height).ToArray();

    /// <summary>A stroke from (x0, y0) to (x1, y1) of the given thickness, with round ends, in <paramref name="ink"/>.</summary>
    public Drawing Stroke(double x0, double y0, double x1, double y1, double thickness, byte ink)
    {
        double dx = x1 - x0, dy = y1 - y0, lengthSquared = dx * dx + dy * dy;
        for (int y = 0; y < Height; y++)
            for (int x = 0; x < Width; x++)
            {
                double px = x + 0.5, py = y + 0.5;
                double t = lengthSquared == 0 ? 0 : Math.Clamp(((px - x0) * dx + (py - y0) * dy) / lengthSquared, 0, 1);
                double distance = Math.Sqrt(Math.Pow(px - (x0 + t * dx), 2) + Math.Pow(py - (y0 + t * dy), 2));
                double coverage = Math.Clamp(thickness / 2 - distance + 0.5, 0, 1);
                if (coverage > 0)
                {
                    int i = y * Width + x;
                    Pixels[i] = (byte)Math.Round(Pixels[i] + (ink - Pixels[i]) * coverage);
                }
            }
        return this;
    }

    /// <summary>An elliptical ring centred at (cx, cy), drawn as short strokes.</summary>
    public Drawing Ring(double cx, double cy, double rx, double ry, double thickness, byte ink)
    {
        const int steps = 48;
        for (int k = 0; k < steps; k++)
        {
            double a0 = 2 * Math.PI * k / steps, a1 = 2 * Math.PI * (k + 1) / steps;
            Stroke(cx + rx * Math.Cos(a0), cy + ry * Math.Sin(a0), cx + rx * Math.Cos(a1), cy + ry * Math.Sin(a1), thickness, ink);
        }
        return this;
    }

    public Drawing Fill(int x, int y, int w, int h, byte value)
    {
        for (int j = y; j < y + h; j++)
            for (int i = x; i < x + w; i++)
                Pixels[j * Width + i] = value;
        return this;
    }

    /// <summary>As an 8-bit grayscale PNG through <see cref="TestPng"/>, Paeth-filtered.</summary>
    public byte[] GrayPng() => new TestPng { Width = Width, Height = Height, ColorType = 0, Samples = Pixels, FilterOfRow = _ => 4 }.Encode();

    /// <summary>As an 8-bit RGB PNG (gray in every channel), Sub-filtered.</summary>
    public byte[] RgbPng() => new TestPng
    {
        Width = Width, Height = Height, ColorType = 2, FilterOfRow = _ => 1,
        Samples = Pixels.SelectMany(p => new[] { p, p, p }).ToArray(),
    }.Encode();
}

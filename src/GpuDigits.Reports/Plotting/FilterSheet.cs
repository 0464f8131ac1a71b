using GpuDigits.Data;
using GpuDigits.Data.Images;
using GpuDigits.Files;

namespace GpuDigits.Reports.Plotting;

/// <summary>
/// The picture of a CNN's first layer: its 3 x 3 filters (each shaded from its most negative weight, black, to its
/// most positive, white) and what each makes of one digit (the ReLU feature map, 26 x 26, shaded from 0 to the
/// map's maximum). The maps are computed here on the host, directly from the weights: a 3 x 3 correlation over the
/// normalized image plus the bias, then ReLU, exactly what the first layer computes.
/// </summary>
public static class FilterSheet
{
    private const int Zoom = 3;

    /// <param name="weights">(kernel kernel) x filters, row-major, one input channel (the model's first tensor).</param>
    /// <param name="image">The digit, side x side bytes.</param>
    public static void Write(string path, float[] weights, float[] bias, int kernel, ReadOnlySpan<byte> image, int side,
        Normalization normalization, string caption)
    {
        int filters = bias.Length;
        if (weights.Length != kernel * kernel * filters)
            throw new ArgumentException($"{weights.Length} first-layer weights do not make {filters} filters of {kernel} x {kernel} on one channel.");
        int o = side - kernel + 1;
        var x = new float[side * side];
        for (int i = 0; i < x.Length; i++) x[i] = (float)((image[i] / 255.0 - normalization.Mean) / normalization.Std);

        const int columns = 8;
        int rows = (filters + columns - 1) / columns;
        double cell = o * Zoom + 12, top = 120;
        double width = Math.Max(120 + columns * cell, 560), height = top + rows * (cell + 34) + 20;
        var digitPng = PngWriter.EncodeGray(side * Zoom, side * Zoom, PixelZoom.Enlarge(image, side, side, Zoom));
        AtomicFile.WriteText(path, writer =>
        {
            using var svg = new SvgWriter(writer, width, height, caption);
            svg.Text(20, 28, caption, 15, bold: true);
            svg.Text(20, 48, $"{filters} first-layer filters ({kernel} x {kernel}, black = most negative, white = most positive weight) " +
                             "and the ReLU map each makes of the digit", 11, "#555555");
            svg.Png(20, 58, side * 2, side * 2, digitPng, tooltip: "input digit");
            for (int f = 0; f < filters; f++)
            {
                double left = 120 + f % columns * cell, y = top + f / columns * (cell + 34);
                var w = Enumerable.Range(0, kernel * kernel).Select(k => weights[k * filters + f]).ToArray();
                float lo = w.Min(), hi = w.Max();
                var filterPixels = w.Select(v => (byte)(hi > lo ? Math.Round(255 * (v - lo) / (hi - lo)) : 128)).ToArray();
                svg.Png(left, y - 28, 24, 24, PngWriter.EncodeGray(kernel * 8, kernel * 8, PixelZoom.Enlarge(filterPixels, kernel, kernel, 8)),
                    tooltip: $"filter {f + 1}: weights {lo:G3} .. {hi:G3}");
                var map = new float[o * o];
                for (int oy = 0; oy < o; oy++)
                    for (int ox = 0; ox < o; ox++)
                    {
                        double sum = bias[f];
                        for (int ky = 0; ky < kernel; ky++)
                            for (int kx = 0; kx < kernel; kx++)
                                sum += x[(oy + ky) * side + ox + kx] * weights[(ky * kernel + kx) * filters + f];
                        map[oy * o + ox] = (float)Math.Max(0, sum);
                    }
                float top1 = Math.Max(map.Max(), 1e-6f);
                var mapPixels = map.Select(v => (byte)Math.Round(255 * v / top1)).ToArray();
                svg.Png(left, y, o * Zoom, o * Zoom, PngWriter.EncodeGray(o * Zoom, o * Zoom, PixelZoom.Enlarge(mapPixels, o, o, Zoom)),
                    tooltip: $"filter {f + 1}: feature map, max {top1:G3}");
                svg.Text(left + 28, y - 12, $"#{f + 1}", 10, "#888888");
            }
        });
    }
}

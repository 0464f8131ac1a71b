namespace GpuDigits.Reports.Plotting;

/// <summary>Nearest-neighbour enlargement of a gray image, so small pictures stay crisp in an SVG or PNG viewer.</summary>
internal static class PixelZoom
{
    public static byte[] Enlarge(ReadOnlySpan<byte> image, int rows, int cols, int zoom)
    {
        var big = new byte[rows * zoom * cols * zoom];
        for (int y = 0; y < rows * zoom; y++)
            for (int x = 0; x < cols * zoom; x++)
                big[y * cols * zoom + x] = image[y / zoom * cols + x / zoom];
        return big;
    }
}

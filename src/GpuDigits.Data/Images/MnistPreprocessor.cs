namespace GpuDigits.Data.Images;

/// <summary>Where the digit was found in the source picture, in source pixels.</summary>
public readonly record struct PixelBox(int X, int Y, int Width, int Height);

/// <summary>
/// A picture turned into an MNIST sample: 28 x 28 bytes, row-major, 0 = background and 255 = ink, as in
/// <see cref="MnistSplit.Images"/>; with what the preprocessing found on the way.
/// </summary>
public sealed record PreparedDigit(byte[] Pixels, bool Inverted, PixelBox DigitBox)
{
    public const int Side = MnistDataset.ImageSide;
}

/// <summary>
/// Makes an MNIST-like sample out of any grayscale picture of one digit, the way MNIST itself was made:
/// <list type="number">
/// <item>Polarity: MNIST has light ink on black. The outer border of the picture (a band 1/16 of the shorter side
/// thick, at least one pixel) is taken as background; when its mean is brighter than mid-gray the picture is a dark
/// digit on light paper and is inverted.</item>
/// <item>Levels: the median border value is the background level. Values up to a tenth of the way from it to the
/// brightest ink are background noise and become 0; the rest is stretched to 1..255.</item>
/// <item>The picture is cropped to the bounding box of the remaining ink.</item>
/// <item>The box is resampled (area averaging, which anti-aliases) so that its longer side is 20 pixels, keeping
/// its aspect ratio.</item>
/// <item>It is placed in a 28 x 28 field so that its center of mass falls on the center of pixel (14, 14), where
/// MNIST's digits have theirs (rounded to whole pixels).</item>
/// </list>
/// A picture without visible ink (flat, or less contrast than <see cref="MinimumContrast"/>) is a
/// <see cref="DataFormatException"/>.
/// </summary>
public static class MnistPreprocessor
{
    /// <summary>The longer side of the digit's box inside the 28 x 28 field.</summary>
    public const int BoxSide = 20;

    /// <summary>The least difference between background and ink, in 0..255 levels, that counts as a digit.</summary>
    public const int MinimumContrast = 32;

    public static PreparedDigit Prepare(GrayImage image, string name = "image")
    {
        ArgumentNullException.ThrowIfNull(image);
        int w = image.Width, h = image.Height;
        var src = image.Pixels;

        // 1. Polarity from the border band.
        int band = Math.Max(1, Math.Min(w, h) / 16);
        var borderHistogram = new long[256];
        long borderSum = 0, borderCount = 0;
        for (int y = 0; y < h; y++)
        {
            bool edgeRow = y < band || y >= h - band;
            for (int x = 0; x < w; x++)
            {
                if (!edgeRow && x >= band && x < w - band) { x = w - band - 1; continue; }
                byte v = src[y * w + x];
                borderHistogram[v]++;
                borderSum += v;
                borderCount++;
            }
        }
        bool invert = borderSum > 127.5 * borderCount;

        // 2. Levels in ink space (ink = bright).
        int background = Median(borderHistogram, borderCount);
        if (invert) background = 255 - background;
        int maxInk = 0;
        foreach (byte v in src) maxInk = Math.Max(maxInk, invert ? 255 - v : v);
        if (maxInk - background < MinimumContrast)
            throw new DataFormatException(name,
                $"shows no digit: its ink differs from the background by {Math.Max(0, maxInk - background)} of 255 levels (at least {MinimumContrast} needed)");
        double floor = background + 0.1 * (maxInk - background);
        double gain = 255.0 / (maxInk - floor);

        var ink = new float[src.Length];
        int left = w, top = h, right = -1, bottom = -1;
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                int v = src[y * w + x];
                if (invert) v = 255 - v;
                if (v <= floor) continue;
                ink[y * w + x] = (float)Math.Min(255.0, (v - floor) * gain);
                left = Math.Min(left, x); right = Math.Max(right, x);
                top = Math.Min(top, y); bottom = Math.Max(bottom, y);
            }
        }

        // 3. Crop, 4. scale the longer side to 20 px.
        var box = new PixelBox(left, top, right - left + 1, bottom - top + 1);
        double scale = (double)BoxSide / Math.Max(box.Width, box.Height);
        int outW = Math.Clamp((int)Math.Round(box.Width * scale), 1, BoxSide);
        int outH = Math.Clamp((int)Math.Round(box.Height * scale), 1, BoxSide);
        var scaled = Resample(ink, w, box, outW, outH);

        // 5. Center of mass to the center of the 28 x 28 field.
        double mass = 0, mx = 0, my = 0;
        for (int y = 0; y < outH; y++)
            for (int x = 0; x < outW; x++)
            {
                double v = scaled[y * outW + x];
                mass += v;
                mx += v * (x + 0.5);
                my += v * (y + 0.5);
            }
        // MNIST's digits have their center of mass on the center of pixel (14, 14), i.e. at 14.5 with pixel
        // centers at i + 0.5 (measured over the test set: 14.5 on average in both directions).
        const int side = PreparedDigit.Side;
        const double target = side / 2 + 0.5;
        int offsetX = (int)Math.Round(target - mx / mass);
        int offsetY = (int)Math.Round(target - my / mass);
        var pixels = new byte[side * side];
        for (int y = 0; y < outH; y++)
        {
            int ty = y + offsetY;
            if (ty < 0 || ty >= side) continue;
            for (int x = 0; x < outW; x++)
            {
                int tx = x + offsetX;
                if (tx < 0 || tx >= side) continue;
                pixels[ty * side + tx] = (byte)Math.Clamp((int)Math.Round(scaled[y * outW + x]), 0, 255);
            }
        }
        return new PreparedDigit(pixels, invert, box);
    }

    private static int Median(long[] histogram, long count)
    {
        long seen = 0;
        for (int v = 0; v < 256; v++)
        {
            seen += histogram[v];
            if (2 * seen >= count) return v;
        }
        return 255;
    }

    /// <summary>
    /// Area-average resampling of the <paramref name="box"/> of a <paramref name="stride"/>-wide float image to
    /// outW x outH: each output pixel is the mean of the source area it covers, partial pixels weighted by the part
    /// covered. Done separably (rows, then columns), which is exact for this box filter.
    /// </summary>
    private static float[] Resample(float[] src, int stride, PixelBox box, int outW, int outH)
    {
        var horizontal = new float[box.Height * outW];
        var xWeights = Weights(box.Width, outW);
        for (int y = 0; y < box.Height; y++)
        {
            int row = (box.Y + y) * stride + box.X;
            for (int x = 0; x < outW; x++)
            {
                double sum = 0;
                foreach (var (index, weight) in xWeights[x]) sum += src[row + index] * weight;
                horizontal[y * outW + x] = (float)sum;
            }
        }
        var result = new float[outW * outH];
        var yWeights = Weights(box.Height, outH);
        for (int y = 0; y < outH; y++)
            for (int x = 0; x < outW; x++)
            {
                double sum = 0;
                foreach (var (index, weight) in yWeights[y]) sum += horizontal[index * outW + x] * weight;
                result[y * outW + x] = (float)sum;
            }
        return result;
    }

    /// <summary>For each of <paramref name="outputs"/> cells, the source pixels it covers and their weights (summing to 1).</summary>
    private static (int Index, double Weight)[][] Weights(int inputs, int outputs)
    {
        double step = (double)inputs / outputs;
        var result = new (int, double)[outputs][];
        for (int o = 0; o < outputs; o++)
        {
            double start = o * step, end = (o + 1) * step;
            var cell = new List<(int, double)>();
            for (int i = (int)Math.Floor(start); i < end && i < inputs; i++)
            {
                double overlap = Math.Min(end, i + 1) - Math.Max(start, i);
                if (overlap > 1e-12) cell.Add((i, overlap / step));
            }
            result[o] = cell.ToArray();
        }
        return result;
    }
}

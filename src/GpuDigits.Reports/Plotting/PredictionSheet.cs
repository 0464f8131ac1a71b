using GpuDigits.Data;
using GpuDigits.Data.Images;
using GpuDigits.Files;
using GpuDigits.Model.Inference;

namespace GpuDigits.Reports.Plotting;

/// <summary>
/// The predictions sheet of <c>gpudigits evaluate --sheet</c>: a grid of test digits, each as an embedded PNG
/// (drawn as MNIST stores it, light ink on black), its predicted label in green when right and red when wrong
/// (with the true label under a wrong one), and a bar chart of its ten class probabilities; then the confusion
/// matrix as a heat map with the count in every non-empty cell. One drawing, two formats: SVG (<see cref="SvgWriter"/>)
/// or PNG (<see cref="PngCanvas"/>), chosen by the file's extension.
/// </summary>
public static class PredictionSheet
{
    public const string RightColour = "#1a7f37";
    public const string WrongColour = "#cf222e";
    public const int DefaultCount = 36;

    private const int Columns = 6;
    private const double CellWidth = 150, DigitCellHeight = 150, Margin = 30, GridTop = 80;

    /// <summary>
    /// Which images to show: the misclassified ones first (in test order, at most half of
    /// <paramref name="count"/>), then correctly classified ones in test order until <paramref name="count"/>.
    /// </summary>
    public static IReadOnlyList<int> Select(Classification result, int count = DefaultCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        count = Math.Min(count, result.Count);
        var wrong = Enumerable.Range(0, result.Count).Where(i => !result.IsCorrect(i)).Take(count / 2).ToList();
        var right = Enumerable.Range(0, result.Count).Where(result.IsCorrect).Take(count - wrong.Count).ToList();
        if (wrong.Count + right.Count < count) // fewer right ones than the space left: more wrong ones
            wrong = Enumerable.Range(0, result.Count).Where(i => !result.IsCorrect(i)).Take(count - right.Count).ToList();
        return [.. wrong, .. right];
    }

    /// <summary>The file extensions <see cref="Write"/> takes.</summary>
    public static readonly string[] Extensions = [".svg", ".png"];

    /// <summary>Writes the sheet atomically as SVG or PNG, by the extension of <paramref name="path"/>.</summary>
    /// <param name="classNames">The classes' names (Fashion-MNIST's), written under each image; null for digits.</param>
    public static void Write(string path, string title, MnistSplit images, Classification result, int count = DefaultCount,
        IReadOnlyList<string>? classNames = null)
    {
        if (path.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
        {
            var layout = Layout.Of(result, count, classNames);
            using var png = new PngCanvas(layout.Width, layout.Height);
            Draw(png, layout, title, images, result, count);
            var bytes = png.EncodePng();
            AtomicFile.Write(path, stream => stream.Write(bytes));
        }
        else AtomicFile.WriteText(path, writer => Render(writer, title, images, result, count, classNames));
    }

    /// <summary>The sheet as SVG.</summary>
    public static void Render(TextWriter output, string title, MnistSplit images, Classification result, int count = DefaultCount,
        IReadOnlyList<string>? classNames = null)
    {
        var layout = Layout.Of(result, count, classNames);
        using var svg = new SvgWriter(output, layout.Width, layout.Height, title);
        Draw(svg, layout, title, images, result, count);
    }

    private const double MatrixCell = 50;

    /// <summary>A cell with class names is taller by two lines of names under the bars.</summary>
    private const double NamesHeight = 30;

    /// <summary>Where the sheet's parts go, computed once for both the canvas size and the drawing.</summary>
    private readonly record struct Layout(double Width, double Height, double MatrixTop, double CellHeight, IReadOnlyList<string>? Names)
    {
        public static Layout Of(Classification result, int count, IReadOnlyList<string>? names)
        {
            int rows = (Math.Min(count, result.Count) + Columns - 1) / Columns;
            double cellHeight = DigitCellHeight + (names is null ? 0 : NamesHeight);
            double matrixTop = GridTop + rows * cellHeight + 60;
            return new(2 * Margin + Columns * CellWidth, matrixTop + 20 + result.Classes * MatrixCell + 50 + (names is null ? 0 : 20),
                matrixTop, cellHeight, names);
        }

        /// <summary>Class <paramref name="c"/>'s name, or its number without names.</summary>
        public string Name(int c) => Names is { } n && c < n.Count ? n[c] : c.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void Draw(ISheetCanvas svg, Layout layout, string title, MnistSplit images, Classification result, int count)
    {
        if (images.Count != result.Count) throw new ArgumentException("The images and the classification must cover the same set.");
        var shown = Select(result, count);
        var matrix = result.Confusion();
        double width = layout.Width, matrixTop = layout.MatrixTop;
        const double matrixCell = MatrixCell;

        svg.Text(width / 2, 34, title, 18, anchor: "middle", bold: true);
        int wrongShown = shown.Count(i => !result.IsCorrect(i));
        svg.Text(width / 2, 58,
            $"{shown.Count} of {result.Count:N0} test images: {wrongShown} misclassified first, then correct ones in test order. " +
            $"Accuracy {result.Accuracy * 100:F2} %, loss {result.Loss:F4}.", 12, "#555555", anchor: "middle");

        svg.StartGroup(id: "digits");
        for (int k = 0; k < shown.Count; k++)
            Digit(svg, layout, Margin + k % Columns * CellWidth, GridTop + k / Columns * layout.CellHeight, shown[k], images, result);
        svg.EndGroup();

        Heatmap(svg, layout, matrix, (width - matrix.Classes * matrixCell) / 2 + 20, matrixTop, matrixCell);
    }

    private static void Digit(ISheetCanvas svg, Layout layout, double x, double y, int index, MnistSplit images, Classification result)
    {
        int label = result.Labels[index], predicted = result.Predicted[index];
        bool right = label == predicted;
        string colour = right ? RightColour : WrongColour;
        var probabilities = result.ProbabilitiesOf(index);
        string Named(int c) => layout.Names is null ? $"{c}" : $"{c} ({layout.Name(c)})";
        svg.StartGroup(cssClass: right ? "digit right" : "digit wrong",
            tooltip: $"test image {index}: label {Named(label)}, predicted {Named(predicted)} ({probabilities[predicted] * 100:F1} %)");

        svg.Gray(x + 8, y + 4, 84, 84, images.Cols, images.Rows, images.Image(index).ToArray());
        svg.Text(x + 100, y + 40, predicted.ToString(), 34, colour, bold: true);
        svg.Text(x + 100, y + 58, right ? "right" : $"label {label}", 11, right ? "#555555" : WrongColour);
        svg.Text(x + 100, y + 74, $"#{index}", 10, "#888888");

        // Ten probability bars under the digit.
        double barsLeft = x + 8, barsBottom = y + 126, barWidth = 11, gap = 2, barMax = 30;
        svg.Line(barsLeft - 1, barsBottom, barsLeft + 10 * (barWidth + gap) - gap + 1, barsBottom, "#999999", 0.8);
        for (int c = 0; c < Math.Min(10, probabilities.Length); c++)
        {
            double h = Math.Max(0, probabilities[c]) * barMax;
            string fill = c == predicted ? colour : c == label ? "#555555" : "#b8b8b8";
            double bx = barsLeft + c * (barWidth + gap);
            svg.Rect(bx, barsBottom - h, barWidth, h, fill);
            svg.Text(bx + barWidth / 2, barsBottom + 10, c.ToString(), 8, c == predicted ? colour : "#666666", anchor: "middle");
        }
        if (layout.Names is not null)
        {
            // The names under the bars: the prediction in its colour, and the label where it differs.
            svg.Text(barsLeft, barsBottom + 26, layout.Name(predicted), 12, colour, bold: true, cssClass: "name");
            if (!right) svg.Text(barsLeft, barsBottom + 41, $"label: {layout.Name(label)}", 11, "#555555", cssClass: "name");
        }
        svg.EndGroup();
    }

    /// <summary>
    /// The confusion matrix: rows are the true labels, columns the predictions. Diagonal cells are green, shaded by
    /// recall; off-diagonal cells are red, shaded by their count relative to the largest off-diagonal count.
    /// </summary>
    private static void Heatmap(ISheetCanvas svg, Layout layout, ConfusionMatrix m, double left, double top, double cell)
    {
        svg.StartGroup(id: "confusion");
        int n = m.Classes;
        svg.Text(left + n * cell / 2, top - 30, $"Confusion matrix ({m.Total:N0} images, {m.Correct:N0} correct)", 15, anchor: "middle", bold: true);
        svg.Text(left + n * cell / 2, top - 8, "predicted", 12, "#444444", anchor: "middle");
        svg.Text(left - 42, top + 20 + n * cell / 2, "actual", 12, "#444444", anchor: "middle", rotate: -90);
        double gridTop = top + 20;
        int maxOff = 1;
        for (int a = 0; a < n; a++)
            for (int p = 0; p < n; p++)
                if (a != p) maxOff = Math.Max(maxOff, m[a, p]);

        for (int c = 0; c < n; c++)
        {
            svg.Text(left + (c + 0.5) * cell, gridTop - 6, c.ToString(), 12, "#444444", anchor: "middle");
            svg.Text(left - 8, gridTop + (c + 0.5) * cell + 4, c.ToString(), 12, "#444444", anchor: "end");
        }
        for (int a = 0; a < n; a++)
        {
            int rowTotal = m.RowTotal(a);
            for (int p = 0; p < n; p++)
            {
                int count = m[a, p];
                double strength = a == p ? (rowTotal == 0 ? 0 : (double)count / rowTotal) : Math.Sqrt((double)count / maxOff);
                string fill = count == 0 ? "#ffffff" : a == p ? Blend(0x2e9a4a, strength) : Blend(0xcf222e, 0.15 + 0.85 * strength);
                double x = left + p * cell, y = gridTop + a * cell;
                string Named(int c) => layout.Names is null ? $"{c}" : $"{c} ({layout.Name(c)})";
                svg.Rect(x, y, cell, cell, fill, "#dddddd", 1, tooltip: $"actual {Named(a)}, predicted {Named(p)}: {count}");
                if (count > 0)
                    svg.Text(x + cell / 2, y + cell / 2 + 4, count.ToString("N0"), 11,
                        strength > 0.55 ? "#ffffff" : "#222222", anchor: "middle");
            }
        }
        svg.Text(left + n * cell / 2, gridTop + n * cell + 24,
            "Diagonal: correct, shaded by recall. Off the diagonal: errors, shaded by count.", 11, "#555555", anchor: "middle");
        if (layout.Names is not null)
            svg.Text(left + n * cell / 2, gridTop + n * cell + 42,
                string.Join("   ", Enumerable.Range(0, n).Select(c => $"{c} {layout.Name(c)}")), 11, "#444444", anchor: "middle", cssClass: "names");
        svg.EndGroup();
    }

    /// <summary>White blended towards <paramref name="rgb"/> by <paramref name="amount"/> in [0, 1].</summary>
    private static string Blend(int rgb, double amount)
    {
        amount = Math.Clamp(amount, 0, 1);
        int Channel(int shift) => (int)Math.Round(255 + (((rgb >> shift) & 0xFF) - 255) * amount);
        return $"#{Channel(16):x2}{Channel(8):x2}{Channel(0):x2}";
    }
}

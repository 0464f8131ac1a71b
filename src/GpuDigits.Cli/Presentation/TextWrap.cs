namespace GpuDigits.Cli.Presentation;

/// <summary>Plain text broken into lines at spaces, for messages written outside Spectre's widgets.</summary>
public static class TextWrap
{
    /// <summary>
    /// <paramref name="text"/> in lines of at most <paramref name="width"/> characters, broken at spaces; a word longer
    /// than the width (a long path) gets a line of its own. A width under 20 (unknown, or no terminal) leaves the text
    /// one line.
    /// </summary>
    public static IReadOnlyList<string> Lines(string text, int width)
    {
        if (width < 20 || text.Length <= width) return [text];
        var lines = new List<string>();
        var line = new System.Text.StringBuilder();
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > width)
            {
                lines.Add(line.ToString());
                line.Clear().Append("  "); // continuation lines are indented, so the message reads as one
            }
            else if (line.Length > 0) line.Append(' ');
            line.Append(word);
        }
        if (line.Length > 0) lines.Add(line.ToString());
        return lines;
    }
}

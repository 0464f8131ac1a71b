namespace GpuDigits.Tests.Viz;

/// <summary>Digits drawn with thick dark strokes on a light 200 x 200 page, the way someone would in a paint program.</summary>
internal static class HandDrawnDigits
{
    private const byte Paper = 245, Ink = 25;
    private const double Pen = 18;

    public static Drawing One() => new Drawing(200, 200, Paper).Stroke(112, 30, 92, 170, Pen, Ink);

    public static Drawing Seven() => new Drawing(200, 200, Paper)
        .Stroke(55, 40, 145, 40, Pen, Ink)
        .Stroke(145, 40, 90, 170, Pen, Ink);

    public static Drawing Zero() => new Drawing(200, 200, Paper).Ring(100, 100, 45, 68, Pen, Ink);

    public static Drawing Four() => new Drawing(200, 200, Paper)
        .Stroke(85, 30, 50, 115, Pen, Ink)
        .Stroke(50, 115, 150, 115, Pen, Ink)
        .Stroke(125, 50, 125, 175, Pen, Ink);

    public static Drawing Three() => new Drawing(200, 200, Paper)
        .Stroke(60, 40, 140, 40, Pen, Ink).Stroke(140, 40, 95, 95, Pen, Ink)
        .Stroke(95, 95, 140, 125, Pen, Ink).Stroke(140, 125, 110, 165, Pen, Ink).Stroke(110, 165, 60, 160, Pen, Ink);

    public static IEnumerable<(string Name, Drawing Drawing)> All() =>
        [("1", One()), ("7", Seven()), ("0", Zero()), ("4", Four()), ("3", Three())];
}

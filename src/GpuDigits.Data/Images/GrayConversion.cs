namespace GpuDigits.Data.Images;

/// <summary>Colour and transparency to the 8-bit gray every reader produces, the same way for every format.</summary>
internal static class GrayConversion
{
    /// <summary>ITU-R BT.601 luma, rounded.</summary>
    public static byte Luma(int r, int g, int b) => (byte)((299 * r + 587 * g + 114 * b + 500) / 1000);

    /// <summary>
    /// Lays the image over a plain background: white when the visible pixels are dark on average (dark strokes on a
    /// transparent canvas), black when they are light. A fully transparent image becomes plain white.
    /// </summary>
    public static void Flatten(byte[] gray, byte[] alpha)
    {
        long weighted = 0, weight = 0;
        for (int i = 0; i < gray.Length; i++)
        {
            weighted += (long)gray[i] * alpha[i];
            weight += alpha[i];
        }
        int background = weight == 0 || weighted < 128 * weight ? 255 : 0;
        for (int i = 0; i < gray.Length; i++)
            gray[i] = (byte)((gray[i] * alpha[i] + background * (255 - alpha[i]) + 127) / 255);
    }
}

namespace GpuDigits.Model.Persistence;

/// <summary>
/// One section of a model file: a four-character ASCII tag, whether a reader that does not know the tag must refuse
/// the file (<paramref name="Required"/>), and the payload bytes. See docs/model-format.md.
/// </summary>
public sealed record ModelSection(string Tag, bool Required, byte[] Payload)
{
    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="tag"/> is four ASCII letters or digits.</summary>
    public static void CheckTag(string tag)
    {
        if (tag is null || tag.Length != 4 || !tag.All(char.IsAsciiLetterOrDigit))
            throw new ArgumentException($"A section tag is four ASCII letters or digits, got '{tag}'.", nameof(tag));
    }
}

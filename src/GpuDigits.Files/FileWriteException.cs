using System.Text.RegularExpressions;

namespace GpuDigits.Files;

/// <summary>
/// A file that could not be written, named as the user named it: <see cref="AtomicFile"/> writes through a hidden
/// temporary file, whose name the operating system's message carries ("No space left on device : '/x/.m.gdm.&lt;guid&gt;.tmp'");
/// that name means nothing to the user and the file is gone by the time they read it, so the message names the target
/// and says why in words of its own.
/// </summary>
public sealed partial class FileWriteException : IOException
{
    public FileWriteException(string target, string reason, Exception inner)
        : base($"Cannot write '{target}': {reason}", inner)
    {
        Target = target;
        Reason = reason;
    }

    /// <summary>The file that was to be written (full path).</summary>
    public string Target { get; }

    /// <summary>Why not, without any path: "no space left on device", "permission denied", ...</summary>
    public string Reason { get; }

    /// <summary>The failure to write <paramref name="target"/> (a file in <paramref name="folder"/>, by default its own folder).</summary>
    public static FileWriteException From(string target, Exception e, string? folder = null) =>
        new(target, ReasonOf(e, folder ?? Path.GetDirectoryName(target) ?? target), e);

    /// <summary>
    /// Why a write in <paramref name="folder"/> failed, in words and without any path: "no space left on device",
    /// "read-only file system", "permission denied".
    /// </summary>
    public static string ReasonOf(Exception e, string folder)
    {
        string reason = e switch
        {
            FileWriteException w => w.Reason,
            UnauthorizedAccessException => "permission denied",
            DirectoryNotFoundException => $"the folder '{folder}' does not exist, or a part of its path is a file",
            // ENOENT for a file about to be created in a folder that exists: a file system such as /proc that lets
            // nobody create files.
            FileNotFoundException => $"the file system of '{folder}' does not allow new files there",
            _ => Lower(PathFragment().Replace(e.Message, "").Trim().TrimEnd('.')),
        };
        return reason.Length > 0 ? reason : "the write failed";
    }

    /// <summary>"Read-only file system" -> "read-only file system"; a leading acronym ("EFBIG ...") keeps its case.</summary>
    private static string Lower(string text) =>
        text.Length > 1 && char.IsUpper(text[0]) && !char.IsUpper(text[1]) ? char.ToLowerInvariant(text[0]) + text[1..] : text;

    /// <summary>The " : '/path'" that .NET appends to a system error's text.</summary>
    [GeneratedRegex(@"\s*:\s*'[^']*'\s*\.?\s*$")]
    private static partial Regex PathFragment();
}

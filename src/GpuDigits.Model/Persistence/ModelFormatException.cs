namespace GpuDigits.Model.Persistence;

/// <summary>
/// A model file that cannot be used: not a model file, a format version this build does not read, damaged (bad
/// checksum), truncated, or with sizes that contradict each other. The message is one line naming the file.
/// </summary>
public sealed class ModelFormatException : Exception
{
    public ModelFormatException(string file, string problem) : base($"{file}: {problem}")
    {
        File = file;
        Problem = problem;
    }

    public ModelFormatException(string file, string problem, Exception inner) : base($"{file}: {problem}", inner)
    {
        File = file;
        Problem = problem;
    }

    /// <summary>The file (path or display name) the problem was found in.</summary>
    public string File { get; }

    /// <summary>What is wrong with it, without the file name.</summary>
    public string Problem { get; }
}

namespace GpuDigits.Files;

/// <summary>
/// A file that cannot be used, in one line naming it: "FILE: what is wrong". The base of the data layer's
/// <see cref="DataFormatException"/> and the model layer's model-file exception.
/// </summary>
public abstract class FileProblemException : Exception
{
    protected FileProblemException(string file, string problem, Exception? inner = null) : base($"{file}: {problem}", inner)
    {
        File = file;
        Problem = problem;
    }

    /// <summary>The file (path or display name) the problem was found in.</summary>
    public string File { get; }

    /// <summary>What is wrong with it, without the file name.</summary>
    public string Problem { get; }
}

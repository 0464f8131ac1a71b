namespace GpuDigits.Data;

/// <summary>
/// A data file that is not what it claims to be: a bad IDX header, truncated or extra data, a wrong SHA-256.
/// The message is one line that names the file and says what is wrong with it.
/// </summary>
public sealed class DataFormatException : Exception
{
    public DataFormatException(string file, string problem) : base($"{file}: {problem}")
    {
        File = file;
        Problem = problem;
    }

    public DataFormatException(string file, string problem, Exception inner) : base($"{file}: {problem}", inner)
    {
        File = file;
        Problem = problem;
    }

    /// <summary>The file (path or display name) the problem was found in.</summary>
    public string File { get; }

    /// <summary>What is wrong with it, without the file name.</summary>
    public string Problem { get; }
}

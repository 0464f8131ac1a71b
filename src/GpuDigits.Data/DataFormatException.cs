using GpuDigits.Files;

namespace GpuDigits.Data;

/// <summary>
/// A data file that is not what it claims to be: a bad IDX header, truncated or extra data, a wrong SHA-256, an image
/// that does not decode. The message is one line that names the file and says what is wrong with it.
/// </summary>
public sealed class DataFormatException : FileProblemException
{
    public DataFormatException(string file, string problem) : base(file, problem) { }

    public DataFormatException(string file, string problem, Exception inner) : base(file, problem, inner) { }
}

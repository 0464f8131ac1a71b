using GpuDigits.Data;
using GpuDigits.Files;

namespace GpuDigits.Model.Persistence;

/// <summary>
/// A model file that cannot be used: not a model file, a format version this build does not read, damaged (bad
/// checksum), truncated, or with sizes that contradict each other. The message is one line naming the file.
/// </summary>
public sealed class ModelFormatException : FileProblemException
{
    public ModelFormatException(string file, string problem) : base(file, problem) { }

    public ModelFormatException(string file, string problem, Exception inner) : base(file, problem, inner) { }
}

using GpuDigits.Model;
using GpuDigits.Data;
using GpuDigits.Engine;
using GpuDigits.Model.Persistence;
using GpuDigits.Model.Training;

namespace GpuDigits.Cli;

/// <summary>A problem with the command line found after parsing (an option value out of range, say).</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>A run folder that cannot be resumed as asked (its checkpoint belongs to other data, say).</summary>
public sealed class ResumeException(string message) : Exception(message);

/// <summary>Turns an exception into the one line a user reads, and an exit code.</summary>
public static class Failure
{
    /// <summary>
    /// The start of every line gpudigits writes about a failure, whatever its kind (a command-line mistake, a bad file,
    /// a device error, an interruption): one style, which the README states.
    /// </summary>
    public const string Prefix = "gpudigits: error: ";

    public static int Report(Exception ex, TextWriter error, bool verbose)
    {
        if (ex is AggregateException { InnerExceptions.Count: 1 } agg) ex = agg.InnerExceptions[0];
        var (code, message) = ex switch
        {
            UsageException u => (ExitCodes.Usage, u.Message),
            SettingException s => (ExitCodes.Usage, s.Message),
            ResumeException r => (ExitCodes.Failure, r.Message),
            OperationCanceledException => (ExitCodes.Interrupted, "Interrupted."),
            TrainingDivergedException d => (ExitCodes.Failure, d.Message),
            UnknownDeviceException d => (ExitCodes.Usage, d.Message),
            AcceleratorException a => (ExitCodes.Failure, a.Message),
            OutOfMemoryException => (ExitCodes.Failure,
                "Out of memory on the host: an allocation failed. Try a smaller --batch or narrower --hidden layers."),
            ModelFormatException m => (ExitCodes.Failure, m.Message),
            UnauthorizedAccessException u => (ExitCodes.Failure, $"Permission denied: {u.Message}"),
            IOException io => (ExitCodes.Failure, io.Message),
            DataFormatException f => (ExitCodes.Failure, f.Message),
            DataUnavailableException d => (ExitCodes.Failure, d.Message),
            _ => (ExitCodes.Failure, $"Unexpected {ex.GetType().Name}: {ex.Message}"),
        };
        message = Wording.Remedy(ex) ?? message;
        error.WriteLine($"{Prefix}{message.Trim()}");
        if (verbose) error.WriteLine(ex.ToString());
        return code;
    }
}

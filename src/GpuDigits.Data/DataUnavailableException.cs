namespace GpuDigits.Data;

/// <summary>
/// The data could not be found or fetched. The message says which files are missing, every source that was
/// tried and why it failed, and what the user can do about it.
/// </summary>
public sealed class DataUnavailableException : Exception
{
    /// <summary>What a user can do when nothing works; ends every message of this type.</summary>
    public const string Advice =
        "Put the four MNIST files (raw or .gz) in a folder and give that folder as the data folder.";

    public DataUnavailableException(string message) : base(message) { }

    public DataUnavailableException(string message, Exception inner) : base(message, inner) { }

    /// <param name="advice">What the user can do (default: <see cref="Advice"/>, MNIST's).</param>
    public DataUnavailableException(string directory, IReadOnlyList<string> missingFiles,
        IReadOnlyList<(string Source, string Reason)> failures, string? advice = null)
        : base(Describe(directory, missingFiles, failures, advice ?? Advice))
    {
        MissingFiles = missingFiles;
        Failures = failures;
    }

    /// <summary>The files that are still missing (empty when the failure was not about particular files).</summary>
    public IReadOnlyList<string> MissingFiles { get; } = [];

    /// <summary>Every source tried, with the reason it failed, in the order tried.</summary>
    public IReadOnlyList<(string Source, string Reason)> Failures { get; } = [];

    /// <summary>One line (the CLI prints a failure as one line): what is missing, each source tried and why, the advice.</summary>
    private static string Describe(string directory, IReadOnlyList<string> missing,
        IReadOnlyList<(string Source, string Reason)> failures, string advice)
    {
        string tried = failures.Count == 0
            ? "No source to fetch from was configured"
            : "Tried " + string.Join("; ", failures.Select(f => $"{f.Source}: {f.Reason.TrimEnd('.')}"));
        return $"Could not get {string.Join(", ", missing)} into {directory}. {tried}. {advice}";
    }
}

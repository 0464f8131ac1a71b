using System.CommandLine;
using GpuDigits.Tools.Fuzzing;

namespace GpuDigits.Tools;

/// <summary>
/// <c>gpudigits-fuzz</c>, a developers' tool beside the product (<c>dotnet run --project tools/GpuDigits.Tools --</c>):
/// feeds generated hostile files to the IDX, gzip and model readers
/// and reports any case that escapes with an unexpected exception, allocates beyond what its length justifies, or
/// hangs. Exit 0 when every case passed, 1 when one failed, 2 for a bad option.
/// </summary>
public static class Program
{
    private static readonly Option<string> Target = new Option<string>("--target") { Description = "Which reader to fuzz.", DefaultValueFactory = _ => "idx" }.AcceptOnlyFromAmong([.. FuzzTarget.Names]);
    private static readonly Option<long> Count = new("--count") { Description = "Number of cases.", DefaultValueFactory = _ => 10_000 };
    private static readonly Option<ulong> Seed = new("--seed") { Description = "Seed of the case generator.", DefaultValueFactory = _ => 1UL };
    private static readonly Option<long> Start = new("--start") { Description = "Index of the first case (to reproduce one: --start I --count 1).", DefaultValueFactory = _ => 0 };
    private static readonly Option<int> TimeoutMs = new("--timeout-ms") { Description = "Longest a single case may take.", DefaultValueFactory = _ => 5000 };

    private const int Passed = 0, Failed = 1, Usage = 2;

    public static int Main(string[] args)
    {
        var root = new RootCommand("Fuzz the file readers of GpuDigits with damaged and forged files.")
        {
            Target, Count, Seed, Start, TimeoutMs,
        };
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            Console.Error.WriteLine($"gpudigits-fuzz: {string.Join(" ", parse.Errors.Select(e => e.Message))} (see 'gpudigits-fuzz --help')");
            return Usage;
        }
        if (parse.Action is not null) return parse.Invoke(); // --help, --version
        long count = parse.GetValue(Count), start = parse.GetValue(Start);
        int timeout = parse.GetValue(TimeoutMs);
        string? problem = count < 1 ? $"--count must be a positive number, got {count}."
                        : start < 0 ? $"--start cannot be negative, got {start}."
                        : timeout < 1 ? $"--timeout-ms must be a positive number, got {timeout}." : null;
        if (problem is not null)
        {
            Console.Error.WriteLine($"gpudigits-fuzz: {problem}");
            return Usage;
        }
        return Run(parse.GetValue(Target)!, count, parse.GetValue(Seed), start, timeout, Console.Out, Console.Error);
    }

    private static int Run(string targetName, long count, ulong seed, long start, int timeout, TextWriter output, TextWriter error)
    {
        var target = FuzzTarget.Create(targetName);

        long lastShown = 0;
        var shown = System.Diagnostics.Stopwatch.StartNew();
        var report = FileFuzzer.Run(target, count, seed, TimeSpan.FromMilliseconds(timeout), start, progress: done =>
        {
            if (shown.Elapsed.TotalSeconds < 5 || done == lastShown) return;
            shown.Restart();
            lastShown = done;
            error.WriteLine($"{target.Name}: {done:N0} of {count:N0} cases");
        });

        output.WriteLine($"{report.Target}: {report.Cases:N0} cases (seed {seed}, from case {start}) in {report.Elapsed.TotalSeconds:F1} s: " +
                         $"{report.Accepted:N0} accepted, {report.Refused:N0} refused with a format error; " +
                         $"most memory for one case {report.MaxAllocatedBytes:N0} bytes ({report.MaxAllocationShare:P0} of its bound); " +
                         $"{report.Failures.Count} failure(s).");
        foreach (var f in report.Failures)
        {
            output.WriteLine($"  case {f.Case} ({f.Input}): {f.Problem}");
            output.WriteLine($"    reproduce: gpudigits-fuzz --target {report.Target} --seed {seed} --start {f.Case} --count 1");
        }
        return report.Passed ? Passed : Failed;
    }
}

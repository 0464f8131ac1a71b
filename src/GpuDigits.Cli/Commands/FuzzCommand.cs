using System.CommandLine;
using GpuDigits.Tools.Fuzzing;

namespace GpuDigits.Cli.Commands;

/// <summary>
/// <c>gpudigits fuzz</c> (hidden, for developers): feeds generated hostile files to the IDX, gzip and model readers
/// and reports any case that escapes with an unexpected exception, allocates beyond what its length justifies, or
/// hangs. Exit 0 when every case passed, 1 otherwise.
/// </summary>
public static class FuzzCommand
{
    private static readonly Option<string> Target = new Option<string>("--target") { Description = "Which reader to fuzz.", DefaultValueFactory = _ => "idx" }.AcceptOnlyFromAmong([.. FuzzTarget.Names]);
    private static readonly Option<long> Count = new("--count") { Description = "Number of cases.", DefaultValueFactory = _ => 10_000 };
    private static readonly Option<ulong> Seed = new("--seed") { Description = "Seed of the case generator.", DefaultValueFactory = _ => 1UL };
    private static readonly Option<long> Start = new("--start") { Description = "Index of the first case (to reproduce one: --start I --count 1).", DefaultValueFactory = _ => 0 };
    private static readonly Option<int> TimeoutMs = new("--timeout-ms") { Description = "Longest a single case may take.", DefaultValueFactory = _ => 5000 };

    public static Command Create()
    {
        var command = new Command("fuzz", "Fuzz the file readers with damaged and forged files.")
        {
            Target, Count, Seed, Start, TimeoutMs,
        };
        command.Hidden = true;
        command.SetAction(Run);
        return command;
    }

    private static int Run(ParseResult parse)
    {
        var output = parse.InvocationConfiguration.Output;
        var error = parse.InvocationConfiguration.Error;
        long count = parse.GetValue(Count), start = parse.GetValue(Start);
        int timeout = parse.GetValue(TimeoutMs);
        if (count < 1) throw new UsageException($"--count must be a positive number, got {count}.");
        if (start < 0) throw new UsageException($"--start cannot be negative, got {start}.");
        if (timeout < 1) throw new UsageException($"--timeout-ms must be a positive number, got {timeout}.");
        var target = FuzzTarget.Create(parse.GetValue(Target)!);
        ulong seed = parse.GetValue(Seed);

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
            output.WriteLine($"    reproduce: gpudigits fuzz --target {report.Target} --seed {seed} --start {f.Case} --count 1");
        }
        return report.Passed ? ExitCodes.Success : ExitCodes.Failure;
    }
}

using System.Diagnostics;
using GpuDigits.Model;

namespace GpuDigits.Tools.Fuzzing;

/// <summary>A case that broke a rule: an unexpected exception, too much memory, or no answer in time.</summary>
public sealed record FuzzFailure(long Case, string Input, string Problem);

/// <summary>What a fuzzing run found.</summary>
public sealed record FuzzReport(string Target, ulong Seed, long FirstCase, long Cases, long Accepted, long Refused,
    long MaxAllocatedBytes, double MaxAllocationShare, TimeSpan Elapsed, IReadOnlyList<FuzzFailure> Failures, bool Hung)
{
    public bool Passed => Failures.Count == 0;
}

/// <summary>
/// Runs generated hostile inputs through a <see cref="FuzzTarget"/> and checks, for every case: the reader either
/// accepts the input or refuses it with its own format exception (anything else is a failure); it allocates no more
/// managed memory than the target's bound for that input (measured with
/// <see cref="GC.GetAllocatedBytesForCurrentThread"/> on the thread that parses); and it answers within the case
/// timeout. Case i of seed S is generated from (S, i) alone, so any case is reproduced by running it by itself.
/// Cases run one at a time on a worker thread watched by the calling thread; a case that does not finish in time
/// ends the run (the stuck thread is abandoned: it is a background thread).
/// </summary>
public static class FileFuzzer
{
    /// <summary>The generator of case <paramref name="index"/> of run <paramref name="seed"/>.</summary>
    public static SeededRandom CaseRandom(ulong seed, long index) =>
        new(seed * 0x9E3779B97F4A7C15UL ^ (ulong)index * 0xD1B54A32D192ED03UL ^ 0x5DEECE66DUL);

    public static FuzzReport Run(FuzzTarget target, long count, ulong seed, TimeSpan caseTimeout, long firstCase = 0,
        int maxFailures = 20, Action<long>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegative(firstCase);
        var failures = new List<FuzzFailure>();
        long accepted = 0, refused = 0, maxAllocated = 0, done = 0;
        double maxShare = 0;
        long current = -1, caseStarted = 0;
        string? currentInput = null;
        Exception? crash = null;

        var worker = new Thread(() =>
        {
            try
            {
                for (long i = firstCase; i < firstCase + count; i++)
                {
                    lock (failures)
                        if (failures.Count >= maxFailures) break;
                    var input = target.Generate(CaseRandom(seed, i));
                    long bound = target.AllocationBound(input);
                    Volatile.Write(ref currentInput, input.Description);
                    Volatile.Write(ref caseStarted, Stopwatch.GetTimestamp());
                    Volatile.Write(ref current, i);

                    Exception? error = null;
                    long before = GC.GetAllocatedBytesForCurrentThread();
                    try
                    {
                        target.Parse(input);
                    }
                    catch (Exception e)
                    {
                        error = e;
                    }
                    long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

                    string? problem = null;
                    if (error is not null && !target.IsExpected(error))
                        problem = $"unexpected {error.GetType().Name}: {error.Message}";
                    else if (error is not null && (string.IsNullOrWhiteSpace(error.Message) || error.Message.Contains('\n')))
                        problem = $"the refusal is not one line: '{error.Message}'";
                    else if (allocated > bound)
                        problem = $"allocated {allocated:N0} bytes for a {input.Bytes.Length:N0}-byte input (bound {bound:N0})";

                    lock (failures)
                    {
                        if (problem is not null) failures.Add(new FuzzFailure(i, input.Description, problem));
                        if (error is null) accepted++; else refused++;
                        maxAllocated = Math.Max(maxAllocated, allocated);
                        maxShare = Math.Max(maxShare, allocated / (double)bound);
                        done++;
                    }
                    Volatile.Write(ref current, -1);
                }
            }
            catch (Exception e)
            {
                crash = e; // the generator or the harness itself failed
            }
        })
        {
            IsBackground = true,
            Name = $"fuzz {target.Name}",
        };

        var clock = Stopwatch.StartNew();
        worker.Start();
        bool hung = false;
        while (!worker.Join(TimeSpan.FromMilliseconds(50)))
        {
            long running = Volatile.Read(ref current);
            if (running >= 0 && Stopwatch.GetElapsedTime(Volatile.Read(ref caseStarted)) > caseTimeout && Volatile.Read(ref current) == running)
            {
                hung = true;
                lock (failures)
                    failures.Add(new FuzzFailure(running, Volatile.Read(ref currentInput) ?? "?",
                        $"no answer within {caseTimeout.TotalSeconds:G3} s (the reader hangs)"));
                break;
            }
            if (progress is not null) lock (failures) progress(done);
        }
        if (crash is not null) throw new InvalidOperationException($"The fuzz harness failed: {crash.Message}", crash);
        lock (failures)
            return new FuzzReport(target.Name, seed, firstCase, done, accepted, refused, maxAllocated, maxShare,
                clock.Elapsed, failures.ToArray(), hung);
    }
}

using System.Runtime.ExceptionServices;

namespace GpuDigits.Engine.Cpu.Threading;

/// <summary>A piece of work cut into numbered chunks that may run in any order, on any thread.</summary>
internal interface IPartitionedWork
{
    void Execute(int chunk);
}

/// <summary>
/// A small persistent team of worker threads for fork-join over a few chunks, built for ops of tens of microseconds
/// on a machine shared with other processes.
/// <list type="bullet">
/// <item>No per-call start-up: the workers live for the process. Parallel.For allocates and wakes pool threads on
/// every call.</item>
/// <item>Chunks are claimed, not assigned: the caller and the workers take the next chunk with one compare-and-swap
/// on a single 64-bit word (generation | chunk count | next chunk). A worker the OS has not scheduled yet simply
/// finds nothing left, so a descheduled worker never stalls the caller; the caller only waits for chunks a worker
/// has actually started.</item>
/// <item>Spin, then block: after its last chunk a worker spins on the word for <see cref="SpinIterations"/> rounds
/// (tens of microseconds, enough to span the elementwise ops between two GEMMs of a training step), then sleeps on a
/// monitor until the next call.</item>
/// <item>Split only while it pays: every split call measures its own time against an estimate of running alone
/// (the caller's time per chunk times the chunk count). On a machine shared with other processes a worker that is
/// preempted in the middle of a chunk holds the join for a whole scheduler quantum; when splits lose on average,
/// <see cref="ShouldSplit"/> answers no for a back-off period (doubling while splits keep losing), then probes again.
/// </item>
/// </list>
/// One caller at a time: a concurrent caller runs all of its chunks itself. No allocation per call.
/// </summary>
internal sealed class WorkerTeam
{
    private static readonly Lazy<WorkerTeam> SharedTeam = new(() => new WorkerTeam(Environment.ProcessorCount - 1));

    /// <summary>The process-wide team: one worker per logical processor beyond the caller's.</summary>
    public static WorkerTeam Shared => SharedTeam.Value;

    /// <summary>Threads the shared team offers one call (workers plus the caller), without starting it.</summary>
    public static int MaxSize => Environment.ProcessorCount;

    /// <summary>Rounds of Thread.SpinWait(10) a worker spins before it blocks.</summary>
    public static int SpinIterations { get; set; } = 2000;

    private const int MaxChunks = 0xFFFF;

    private readonly object _gate = new();
    private readonly int _workers;
    private long _state;     // generation << 32 | chunks << 16 | next
    private int _done;
    private int _sleepers;
    private int _busy;
    private IPartitionedWork? _work;
    private ExceptionDispatchInfo? _failure;

    // Split-or-not controller (touched only by the caller holding _busy, or read racily as a hint).
    private double _lossRatio = 1.0;   // moving average of (time with the split) / (estimated time alone)
    private int _holdOff;              // calls left to run alone
    private int _backOff = MinBackOff; // next hold-off length
    private const int MinBackOff = 32, MaxBackOff = 4096;

    private WorkerTeam(int workers)
    {
        _workers = Math.Max(0, workers);
        for (int w = 0; w < _workers; w++)
        {
            var thread = new Thread(Loop) { IsBackground = true, Name = $"gpudigits-cpu-{w + 1}" };
            thread.Start();
        }
    }

    /// <summary>
    /// Whether a caller should split its next op at all. False while the team is held off after losing splits (the
    /// caller then runs the op whole, which also spares it the chunking overhead); each false answer counts down.
    /// </summary>
    public bool ShouldSplit(bool always = false)
    {
        if (_workers == 0) return false;
        if (always) return true;
        if (_holdOff <= 0) return true;
        _holdOff--;
        return false;
    }

    /// <summary>Runs chunks 0..chunks-1 of <paramref name="work"/> on this thread and any idle worker; returns when all are done.</summary>
    public void Run(IPartitionedWork work, int chunks)
    {
        if (chunks <= 1 || _workers == 0 || chunks > MaxChunks || Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            for (int c = 0; c < chunks; c++) work.Execute(c);
            return;
        }
        try
        {
            _work = work;
            _failure = null;
            Volatile.Write(ref _done, 0);
            // 31 bits of generation keep the word positive, so every thread decodes the same generation after a wrap.
            long generation = ((Volatile.Read(ref _state) >> 32) + 1) & 0x7FFF_FFFF;
            Interlocked.Exchange(ref _state, generation << 32 | (long)chunks << 16);
            if (Volatile.Read(ref _sleepers) > 0)
                lock (_gate) Monitor.PulseAll(_gate);

            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            int mine = Claim(generation);
            long own = System.Diagnostics.Stopwatch.GetTimestamp() - start;
            var spin = new SpinWait();
            while (Volatile.Read(ref _done) < chunks) spin.SpinOnce(sleep1Threshold: -1);
            long total = System.Diagnostics.Stopwatch.GetTimestamp() - start;
            _work = null;
            Learn(mine, chunks, own, total);
            _failure?.Throw();
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    /// <summary>
    /// Updates the split-or-not controller from one split call: the caller ran <paramref name="mine"/> of
    /// <paramref name="chunks"/> chunks in <paramref name="own"/> ticks and the call took <paramref name="total"/>.
    /// </summary>
    private void Learn(int mine, int chunks, long own, long total)
    {
        if (mine <= 0 || own <= 0) return;
        double alone = (double)own / mine * chunks;
        _lossRatio = 0.875 * _lossRatio + 0.125 * Math.Min(4.0, total / alone);
        if (_lossRatio > 1.0)
        {
            _holdOff = _backOff;
            _backOff = Math.Min(MaxBackOff, _backOff * 2);
            _lossRatio = 0.9; // probe afresh after the hold-off
        }
        else if (_lossRatio < 0.8)
        {
            _backOff = MinBackOff;
        }
    }

    /// <summary>Takes and runs chunks of <paramref name="generation"/> until none is left; returns how many it ran.</summary>
    private int Claim(long generation)
    {
        int ran = 0;
        while (true)
        {
            long s = Volatile.Read(ref _state);
            if (s >> 32 != generation) return ran;
            int next = (int)(s & 0xFFFF), chunks = (int)((s >> 16) & 0xFFFF);
            if (next >= chunks) return ran;
            if (Interlocked.CompareExchange(ref _state, s + 1, s) != s) continue;
            try
            {
                // The chunk is ours, so the caller is still waiting and _work is this generation's.
                _work!.Execute(next);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _failure, ExceptionDispatchInfo.Capture(e), null);
            }
            finally
            {
                Interlocked.Increment(ref _done);
                ran++;
            }
        }
    }

    private void Loop()
    {
        long seen = Volatile.Read(ref _state) >> 32;
        while (true)
        {
            long generation = Volatile.Read(ref _state) >> 32;
            for (int spins = 0; generation == seen && spins < SpinIterations; spins++)
            {
                Thread.SpinWait(10);
                generation = Volatile.Read(ref _state) >> 32;
            }
            if (generation == seen)
            {
                lock (_gate)
                {
                    // A full fence between announcing the sleep and re-reading the generation, so a Run that
                    // missed this sleeper had already published its new generation.
                    Interlocked.Increment(ref _sleepers);
                    while ((generation = Volatile.Read(ref _state) >> 32) == seen) Monitor.Wait(_gate);
                    Interlocked.Decrement(ref _sleepers);
                }
            }
            seen = generation;
            Claim(generation);
        }
    }
}

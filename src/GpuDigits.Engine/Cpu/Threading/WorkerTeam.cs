using System.Runtime.ExceptionServices;

namespace GpuDigits.Engine.Cpu.Threading;

/// <summary>A piece of work split into numbered parts; part 0 runs on the calling thread.</summary>
internal interface IPartitionedWork
{
    void Execute(int part);
}

/// <summary>
/// A small persistent team of worker threads for fork-join over a few parts, built for ops that take tens of
/// microseconds. Parallel.For wakes pool threads and allocates on every call; here the workers stay alive and, after
/// finishing a part, spin on a generation counter for a short while (about 100 microseconds) so the next op of a
/// training step finds them awake; only then do they block on a monitor. Dispatch is one interlocked increment and
/// a join is a spin on a countdown; no allocation. One caller at a time: a second, concurrent caller simply runs its
/// parts itself.
/// </summary>
internal sealed class WorkerTeam
{
    private static readonly Lazy<WorkerTeam> SharedTeam = new(() => new WorkerTeam(Environment.ProcessorCount - 1));

    /// <summary>The process-wide team: one worker per logical processor beyond the caller's.</summary>
    public static WorkerTeam Shared => SharedTeam.Value;

    /// <summary>Threads the shared team offers one call (workers plus the caller), without starting it.</summary>
    public static int MaxSize => Environment.ProcessorCount;

    /// <summary>How many spin iterations (Thread.SpinWait(20) each, about 0.1 µs) a worker waits before blocking.</summary>
    public static int SpinIterations { get; set; } = 1000;

    private readonly object _gate = new();
    private readonly int _workers;
    private volatile int _generation;
    private int _sleepers;
    private volatile int _pending;
    private int _busy;
    private IPartitionedWork? _work;
    private int _parts;
    private ExceptionDispatchInfo? _failure;

    private WorkerTeam(int workers)
    {
        _workers = Math.Max(0, workers);
        for (int w = 0; w < _workers; w++)
        {
            int part = w + 1;
            var thread = new Thread(() => Loop(part)) { IsBackground = true, Name = $"gpudigits-cpu-{part}" };
            thread.Start();
        }
    }

    /// <summary>Threads available to one call: the workers plus the caller.</summary>
    public int Size => _workers + 1;

    /// <summary>Runs parts 0..parts-1 of <paramref name="work"/>, part 0 on this thread; returns when all are done.</summary>
    public void Run(IPartitionedWork work, int parts)
    {
        if (parts <= 1 || _workers == 0 || Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            for (int p = 0; p < parts; p++) work.Execute(p);
            return;
        }
        try
        {
            int helpers = Math.Min(parts - 1, _workers);
            _work = work;
            _parts = parts;
            _failure = null;
            _pending = _workers;
            Interlocked.Increment(ref _generation);
            if (Volatile.Read(ref _sleepers) > 0)
                lock (_gate) Monitor.PulseAll(_gate);

            work.Execute(0);
            // Parts beyond the team's size (never the case for the GEMM split) run here too.
            for (int p = helpers + 1; p < parts; p++) work.Execute(p);

            var spin = new SpinWait();
            while (_pending != 0) spin.SpinOnce(sleep1Threshold: -1);
            _work = null;
            _failure?.Throw();
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    private void Loop(int part)
    {
        int seen = 0;
        while (true)
        {
            int spins = 0;
            while (_generation == seen && spins < SpinIterations)
            {
                Thread.SpinWait(20);
                spins++;
            }
            if (_generation == seen)
            {
                lock (_gate)
                {
                    // A full fence between announcing the sleep and re-checking the generation, so a Run that
                    // missed this sleeper has already published its new generation.
                    Interlocked.Increment(ref _sleepers);
                    while (_generation == seen) Monitor.Wait(_gate);
                    Interlocked.Decrement(ref _sleepers);
                }
            }
            seen = _generation;
            try
            {
                if (part < _parts) _work!.Execute(part);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _failure, ExceptionDispatchInfo.Capture(e), null);
            }
            finally
            {
                Interlocked.Decrement(ref _pending);
            }
        }
    }
}

namespace GpuDigits.Engine.Cpu.Threading;

/// <summary>The body of a parallel loop over [start, end): a struct, so the loop is specialized and allocation-free.</summary>
internal interface IRangeBody
{
    void Run(int start, int end);
}

/// <summary>
/// Splits a range over the shared <see cref="WorkerTeam"/> when it is long enough (and the team says splits pay):
/// at most two chunks per thread, each at least <c>grain</c> long and a multiple of 16 elements.
/// </summary>
internal static class CpuParallel
{
    public static void For<T>(in T body, int count, int threads, int grain, bool alwaysSplit = false) where T : struct, IRangeBody
    {
        int usable = Math.Min(threads, WorkerTeam.MaxSize);
        int chunks = usable <= 1 ? 1 : Math.Min(2 * usable, count / Math.Max(1, grain));
        if (chunks <= 1 || !WorkerTeam.Shared.ShouldSplit(alwaysSplit))
        {
            body.Run(0, count);
            return;
        }
        var work = RangeWork<T>.Current;
        work.Set(body, count, chunks);
        try
        {
            WorkerTeam.Shared.Run(work, chunks);
        }
        finally
        {
            work.Set(default, 0, 0);
        }
    }

    private sealed class RangeWork<T> : IPartitionedWork where T : struct, IRangeBody
    {
        [ThreadStatic] private static RangeWork<T>? _current;
        public static RangeWork<T> Current => _current ??= new RangeWork<T>();

        private T _body;
        private int _count, _chunks;

        public void Set(in T body, int count, int chunks)
        {
            _body = body;
            _count = count;
            _chunks = chunks;
        }

        public void Execute(int chunk)
        {
            int per = (_count / _chunks + 15) & ~15;
            int start = Math.Min(_count, chunk * per);
            int end = chunk == _chunks - 1 ? _count : Math.Min(_count, start + per);
            if (start < end) _body.Run(start, end);
        }
    }
}

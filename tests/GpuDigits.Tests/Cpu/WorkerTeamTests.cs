using GpuDigits.Engine.Cpu.Threading;
using NUnit.Framework;

namespace GpuDigits.Tests.Cpu;

/// <summary>The persistent worker team: every chunk runs exactly once per call, failures reach the caller.</summary>
public class WorkerTeamTests
{
    private sealed class Counting(int chunks) : IPartitionedWork
    {
        public readonly int[] Runs = new int[chunks];
        public void Execute(int chunk)
        {
            Interlocked.Increment(ref Runs[chunk]);
            Thread.SpinWait(50 * (chunk % 3));
        }
    }

    private sealed class Failing : IPartitionedWork
    {
        public void Execute(int chunk)
        {
            if (chunk == 2) throw new InvalidOperationException("chunk 2 failed");
        }
    }

    [Test]
    public void EveryChunkRunsExactlyOnceOverManyCalls()
    {
        var random = new Random(3);
        for (int call = 0; call < 20_000; call++)
        {
            int chunks = random.Next(1, 10);
            var work = new Counting(chunks);
            WorkerTeam.Shared.Run(work, chunks);
            for (int c = 0; c < chunks; c++)
                if (work.Runs[c] != 1) Assert.Fail($"call {call}: chunk {c} of {chunks} ran {work.Runs[c]} times");
            if (call % 1000 == 999) Thread.Sleep(5); // let the workers fall asleep now and then
        }
    }

    [Test]
    public void AFailingChunkIsRethrownOnTheCaller()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => WorkerTeam.Shared.Run(new Failing(), 4));
        Assert.That(ex!.Message, Is.EqualTo("chunk 2 failed"));
        var work = new Counting(4);
        WorkerTeam.Shared.Run(work, 4); // the team still works afterwards
        Assert.That(work.Runs, Is.All.EqualTo(1));
    }

    [Test]
    public void ConcurrentCallersEachGetAllTheirChunksRun()
    {
        var failures = 0;
        Parallel.For(0, 4, _ =>
        {
            for (int i = 0; i < 2000; i++)
            {
                var work = new Counting(5);
                WorkerTeam.Shared.Run(work, 5);
                if (work.Runs.Any(r => r != 1)) Interlocked.Increment(ref failures);
            }
        });
        Assert.That(failures, Is.Zero);
    }
}

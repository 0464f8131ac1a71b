using GpuDigits.Model;
using GpuDigits.Tools.Fuzzing;
using NUnit.Framework;

namespace GpuDigits.Tests.Tools;

/// <summary>
/// A fixed subset of the fuzz harness (60,000 cases over the IDX, gzip and model readers): every damaged or forged
/// file is accepted or refused with the reader's own one-line format exception, within its memory bound, in time.
/// <c>gpudigits-fuzz --target T --count 1000000</c> (tools/GpuDigits.Tools) runs the same generator at length.
/// </summary>
public class FuzzTests
{
    private const ulong Seed = 20261121;
    private static readonly TimeSpan CaseTimeout = TimeSpan.FromSeconds(10);

    [TestCase("idx", 16000)]
    [TestCase("gz", 4000)]
    [TestCase("model", 40000)]
    public void HostileFilesAreRefusedCleanlyWithinTheirMemoryBound(string target, int count)
    {
        var report = FileFuzzer.Run(FuzzTarget.Create(target), count, Seed, CaseTimeout);
        TestContext.Out.WriteLine($"{target}: {report.Cases} cases in {report.Elapsed.TotalSeconds:F1} s, {report.Accepted} accepted, " +
                                  $"{report.Refused} refused, most memory {report.MaxAllocatedBytes:N0} bytes ({report.MaxAllocationShare:P0} of its bound)");
        Assert.That(report.Failures, Is.Empty, string.Join("\n", report.Failures.Select(f => $"case {f.Case} ({f.Input}): {f.Problem}")));
        Assert.That(report.Cases, Is.EqualTo(count));
        Assert.That(report.Refused, Is.GreaterThan(count / 2), "most mutations break the file");
    }

    [Test]
    public void CasesAreReproducibleFromSeedAndIndex()
    {
        var target = FuzzTarget.Create("idx");
        var a = target.Generate(FileFuzzer.CaseRandom(Seed, 1234));
        var b = target.Generate(FileFuzzer.CaseRandom(Seed, 1234));
        var c = target.Generate(FileFuzzer.CaseRandom(Seed, 1235));
        Assert.That(b.Bytes, Is.EqualTo(a.Bytes));
        Assert.That(b.Description, Is.EqualTo(a.Description));
        Assert.That(c.Bytes, Is.Not.EqualTo(a.Bytes));
    }

    [Test]
    public void TheToolRunsCasesAndRefusesNonsenseOptions()
    {
        Assert.That(GpuDigits.Tools.Program.Main(["--target", "gz", "--count", "50", "--seed", "3"]), Is.EqualTo(0), "50 gzip cases pass");
        Assert.That(GpuDigits.Tools.Program.Main(["--count", "0"]), Is.EqualTo(2));
        Assert.That(GpuDigits.Tools.Program.Main(["--target", "nonsense"]), Is.EqualTo(2));
    }

    // The harness itself must catch what it is there to catch.

    [Test]
    public void AnUnexpectedExceptionIsAFailure()
    {
        var report = FileFuzzer.Run(new FakeTarget(_ => throw new IndexOutOfRangeException("oops")), 5, Seed, CaseTimeout);
        Assert.That(report.Failures, Has.Count.EqualTo(5));
        Assert.That(report.Failures[0].Problem, Does.Contain("unexpected IndexOutOfRangeException"));
    }

    [Test]
    public void AMultiLineRefusalIsAFailure()
    {
        var report = FileFuzzer.Run(new FakeTarget(_ => throw new FormatException("two\nlines")), 3, Seed, CaseTimeout);
        Assert.That(report.Failures, Has.Count.EqualTo(3));
        Assert.That(report.Failures[0].Problem, Does.Contain("not one line"));
    }

    [Test]
    public void AllocatingBeyondTheBoundIsAFailure()
    {
        var report = FileFuzzer.Run(new FakeTarget(input => GC.KeepAlive(new byte[input.Bytes.Length * 100 + 100_000])), 3, Seed, CaseTimeout);
        Assert.That(report.Failures, Has.Count.EqualTo(3));
        Assert.That(report.Failures[0].Problem, Does.Contain("allocated"));
    }

    [Test]
    public void AHangIsReportedAfterTheCaseTimeout()
    {
        var release = new ManualResetEventSlim();
        try
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var report = FileFuzzer.Run(new FakeTarget(_ => release.Wait()), 3, Seed, TimeSpan.FromMilliseconds(300));
            Assert.That(report.Hung);
            Assert.That(report.Failures.Single().Problem, Does.Contain("no answer within"));
            Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)));
        }
        finally
        {
            release.Set(); // let the abandoned worker finish
        }
    }

    [Test]
    public void RefusalsWithTheExpectedExceptionPass()
    {
        var report = FileFuzzer.Run(new FakeTarget(_ => throw new FormatException("bad file")), 50, Seed, CaseTimeout);
        Assert.That(report.Passed);
        Assert.That(report.Refused, Is.EqualTo(50));
    }

    private sealed class FakeTarget(Action<FuzzInput> parse) : FuzzTarget
    {
        public override string Name => "fake";
        public override FuzzInput Generate(SeededRandom random) => new(new byte[1 + random.NextInt(100)], "fake");
        public override void Parse(FuzzInput input) => parse(input);
        public override bool IsExpected(Exception e) => e is FormatException;
        public override long AllocationBound(FuzzInput input) => FixedAllowance + 4L * input.Bytes.Length;
    }
}

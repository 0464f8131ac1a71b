using GpuDigits.Cli;
using GpuDigits.Cli.Benchmarks;
using GpuDigits.Engine;
using GpuDigits.Reports.Bench;
using NUnit.Framework;

namespace GpuDigits.Tests.Cli;

/// <summary>
/// The bench command's plumbing (no timing is asserted): it covers every op and training GEMM shape, reports
/// consistent rates, writes a CSV that reads back, and rejects bad options with one line.
/// </summary>
public class BenchCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = CliApp.RunAsync(args, output, error).GetAwaiter().GetResult();
        return (code, output.ToString(), error.ToString());
    }

    [Test]
    public void TheSquareGemmsTakeTheSizeAskedFor() =>
        Assert.That(OpBenchmarks.GemmShapes(4096).Where(s => s.Note == "square").Select(s => (s.M, s.N, s.K)),
            Is.EqualTo(Enumerable.Repeat((4096, 4096, 4096), 3)));

    [Test]
    public void OpBenchmarksCoverEveryTrainingGemmAndOp()
    {
        using var acc = AcceleratorCatalog.Default().Open("cpu");
        var records = new OpBenchmarks(acc, repeat: 1) { WarmupSeconds = 0, MinRepeatSeconds = 0 }.Run();

        var gemms = records.Where(r => r.Category == "gemm").Select(r => $"{r.Op} {r.Shape}").ToArray();
        Assert.That(gemms, Is.SupersetOf(new[]
        {
            "gemm NN m128 n128 k784", "gemm NN m128 n128 k128", "gemm NN m128 n10 k128",
            "gemm TN m784 n128 k128", "gemm TN m128 n128 k128", "gemm TN m128 n10 k128",
            "gemm NT m128 n128 k128", "gemm NT m128 n128 k10",
            "gemm NN m1024 n1024 k1024", "gemm TN m1024 n1024 k1024", "gemm NT m1024 n1024 k1024",
        }));
        // The managed CPU's rows start with the machine's FMA ceiling, on every thread the accelerator may use.
        Assert.That((records[0].Category, records[0].Op), Is.EqualTo(("machine", "fma_peak")));
        Assert.That(records[0].Shape, Does.EndWith($"{Environment.ProcessorCount} thread{(Environment.ProcessorCount == 1 ? "" : "s")}"));
        Assert.That(records[0].Work, Is.EqualTo(FmaPeak.Work(Environment.ProcessorCount)));
        Assert.That(records.Select(r => r.Op), Is.SupersetOf(new[]
            { "gather_batch", "softmax_xent", "activation_backward", "column_sums", "sgd_momentum", "adam" }));
        // Every optimizer also fused with layer 1's weight-gradient GEMM, as training runs it.
        Assert.That(records.Where(r => r.Category == "fused").Select(r => $"{r.Op} {r.Shape}"),
            Is.EquivalentTo(OptimizerCatalog.All.Select(d => $"gemm TN + {d.OpName} m784 n128 k128")));
        foreach (var r in records)
        {
            Assert.That(r.MinSeconds, Is.GreaterThan(0).And.LessThanOrEqualTo(r.MedianSeconds), r.Op);
            Assert.That(r.BestRate, Is.EqualTo(r.Work / r.MinSeconds * 1e-9).Within(1e-9 * r.BestRate), r.Op);
            Assert.That(r.Unit, Is.EqualTo(r.Category is "gemm" or "machine" or "fused" ? "GFLOP/s" : "GB/s"), r.Op);
            Assert.That(r.Device, Is.EqualTo("cpu"));
        }
    }

    [Test]
    public void BenchCsvReadsBackWhatItWrote()
    {
        var path = Path.Combine(Path.GetTempPath(), $"gd-bench-{Guid.NewGuid():N}.csv");
        try
        {
            var rows = new[]
            {
                new BenchRecord("gemm", "gemm NN", "m128 n128 k784", 25690112, "GFLOP/s", 10, 64, 2.5e-4, 3e-4, 102.76, 85.63, "cpu", "forward layer 1, bias+relu"),
                new BenchRecord("epoch", "epoch sgd", "60000 images, batch 128", 60000, "images/s", 3, 1, 0.3, 0.31, 200000, 193548.4, "cpu", "test accuracy 97.80 % after 4 epochs"),
            };
            BenchCsv.Write(path, rows);
            Assert.That(File.ReadLines(path).First(), Is.EqualTo(
                "category,op,shape,work,unit,repeats,calls_per_repeat,min_seconds,median_seconds,best_rate,median_rate,device,note"));
            Assert.That(BenchCsv.Read(path), Is.EqualTo(rows));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestCase("--repeat", "0")]
    [TestCase("--epochs", "-1")]
    [TestCase("--repeat", "many")]
    [TestCase("--square", "32")]
    [TestCase("--square", "100000")]
    public void BadOptionsExitTwoWithOneLine(string option, string value)
    {
        var (code, _, err) = Run("bench", option, value);
        Assert.That(code, Is.EqualTo(ExitCodes.Usage), err);
        Assert.That(err.Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(1), err);
    }

    [Test]
    public void AnUnwritableCsvIsRefusedBeforeTheBenchmarkRuns()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"gd-bench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var (code, _, err) = Run("bench", "--device", "cpu", "--ops-only", "--csv", folder);
            Assert.That(code, Is.EqualTo(ExitCodes.Usage), err);
            Assert.That(err, Does.Contain("is a folder"));
            Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)), "refused before timing anything");
            (code, _, err) = Run("bench", "--device", "cpu", "--ops-only", "--csv", "/dev/full");
            Assert.That(code, Is.EqualTo(ExitCodes.Usage), err);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public void UnknownDeviceIsOneClearLine()
    {
        var (code, _, err) = Run("bench", "--device", "tpu:3", "--ops-only");
        Assert.That(code, Is.EqualTo(ExitCodes.Usage), err);
        Assert.That(err, Does.Contain("Unknown device 'tpu:3'"));
    }
}

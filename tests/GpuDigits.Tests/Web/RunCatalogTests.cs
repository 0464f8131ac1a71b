using GpuDigits.Model.Persistence;
using GpuDigits.Model.Runs;
using GpuDigits.Web;
using NUnit.Framework;

namespace GpuDigits.Tests.Web;

/// <summary>How serve tells a run in progress: the lock a training process holds, and the time left from its epochs so far.</summary>
public sealed class RunCatalogTests
{
    private string _root = null!;

    [SetUp]
    public void MakeRoot() => _root = Directory.CreateTempSubdirectory("gpudigits-catalog-").FullName;

    [TearDown]
    public void RemoveRoot() => Directory.Delete(_root, recursive: true);

    [Test]
    public void ARunWhoseLockIsHeldIsRunningWithTheTimeLeft()
    {
        var run = Path.Combine(_root, "half");
        Directory.CreateDirectory(run);
        var rows = MetricsCsvReader.Read(Path.Combine(ServedRuns.DefaultRunFolder, "metrics.csv")).Take(4).ToList();
        MetricsCsv.Write(Path.Combine(run, RunCatalog.MetricsName), rows);
        File.Copy(Path.Combine(ServedRuns.DefaultRunFolder, RunModels.BestName), Path.Combine(run, RunModels.BestName)); // epochs=10
        var catalog = new RunCatalog(_root);
        var lockPath = Path.Combine(run, RunFolder.LockName);

        using (new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None)) // as RunFolder holds it
        {
            var summary = catalog.Summarize(catalog.Find("half"));
            Assert.That(summary.Running, Is.True);
            Assert.That(summary.Epochs, Is.EqualTo(4));
            Assert.That(summary.TotalEpochs, Is.EqualTo(10));
            Assert.That(summary.EtaSeconds, Is.EqualTo(6 * rows.Average(r => r.EpochSeconds)).Within(1e-9));
            Assert.That(summary.Model, Is.EqualTo(RunModels.BestName));
        }
        Assert.That(File.Exists(lockPath), "a killed run leaves its lock file");
        var after = catalog.Summarize(catalog.Find("half"));
        Assert.That(after.Running, Is.False, "but not its lock");
        Assert.That(after.EtaSeconds, Is.Null);
    }

    [Test]
    public void OnlyFoldersWithARunAreListedAndADamagedMetricsFileIsOneLine()
    {
        Directory.CreateDirectory(Path.Combine(_root, "empty"));
        var bad = Path.Combine(_root, "bad");
        Directory.CreateDirectory(bad);
        File.WriteAllText(Path.Combine(bad, RunCatalog.MetricsName), "epoch,nonsense\n1,2\n");
        File.WriteAllText(Path.Combine(_root, "metrics.csv"), "a file, not a folder");
        var catalog = new RunCatalog(_root);
        Assert.That(catalog.List().Select(r => r.Name), Is.EqualTo(new[] { "bad" }));
        Assert.That(catalog.List()[0].Epochs, Is.Zero, "the list shows a run whose metrics cannot be read with no epochs");
        var problem = Assert.Throws<ApiProblem>(() => catalog.Metrics(catalog.Find("bad")))!;
        Assert.That(problem.Status, Is.EqualTo(422));
        Assert.That(problem.Message, Does.StartWith("metrics.csv of run 'bad' cannot be read: "));
        Assert.That(Assert.Throws<ApiProblem>(() => catalog.Find("empty"))!.Status, Is.EqualTo(404));
    }
}

using GpuDigits.Model.Training;
using GpuDigits.Model.Persistence;
using NUnit.Framework;

namespace GpuDigits.Tests.Model;

public class MetricsCsvTests
{
    [Test]
    public void WritesTheDocumentedColumnsAndReadsBack()
    {
        var path = Path.Combine(Path.GetTempPath(), $"gd-metrics-{Guid.NewGuid():N}.csv");
        try
        {
            var rows = new[]
            {
                new EpochMetrics(1, 0.25, 0.93, 0.14, 0.955, 0.05, 1.5, 40000.5, "cpu"),
                new EpochMetrics(2, 0.1, 0.97, 0.09, 0.9716, 0.048, 1.25, 48000, "opencl:0"),
            };
            using (var file = new MetricsCsvFile(path))
            {
                file.Save(rows[..1]);
                Assert.That(File.ReadAllLines(path), Has.Length.EqualTo(2));
                file.Save(rows);
                Assert.That(MetricsCsvReader.Read(path), Is.EqualTo(rows));
                // A history that is not an extension of the text (a resumed run) replaces it.
                file.Save(rows[1..]);
                Assert.That(MetricsCsvReader.Read(path), Is.EqualTo(rows[1..]));
                file.Save(rows);
            }

            var lines = File.ReadAllLines(path);
            Assert.That(lines[0], Is.EqualTo("epoch,train_loss,train_accuracy,test_loss,test_accuracy,learning_rate,epoch_seconds,samples_per_second,device"));
            Assert.That(lines[1], Does.StartWith("1,0.25,0.93,0.14,0.955,0.05,1.5,40000.5,cpu"));
            Assert.That(MetricsCsvReader.Read(path), Is.EqualTo(rows));
        }
        finally
        {
            File.Delete(path);
        }
    }
}

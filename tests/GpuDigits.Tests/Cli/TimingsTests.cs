using System.Globalization;
using System.Text.RegularExpressions;
using GpuDigits.Tests.Data;
using GpuDigits.Tests.Viz;
using NUnit.Framework;

namespace GpuDigits.Tests.Cli;

/// <summary><c>train --timings</c> accounts for the whole wall time: its phases add up to the total it prints.</summary>
public sealed class TimingsTests
{
    [Test]
    public void TheTimingsTableAddsUpToTheWallTime()
    {
        using var temp = new TempFolder();
        var (code, output, err) = CliRunner.Run("train", "--device", "cpu", "--data", TestData.MnistDirectory(), "--train-limit", "1024",
            "--test-limit", "200", "--epochs", "2", "--out", temp.File("run"), "--timings");
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(output, Does.Not.Contain("where the time went"), "the table goes to standard error");
        var rows = err.Split('\n').SkipWhile(l => !l.StartsWith("where the time went")).Skip(1)
            .Select(l => Regex.Match(l, @"^(.+?)\s+(\d+\.\d{3})\s")).Where(m => m.Success)
            .ToDictionary(m => m.Groups[1].Value.Trim(), m => double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
        foreach (var phase in new[] { "data load", "first training step (JIT, kernel load)", "training steps", "test evaluation",
                     "saving (model-best.gdm, checkpoint.gdm, metrics CSV)", "model.gdm", "other", "wall time" })
            Assert.That(rows, Does.ContainKey(phase), err);
        double sum = rows.Where(r => r.Key != "wall time").Sum(r => r.Value);
        Assert.That(sum, Is.EqualTo(rows["wall time"]).Within(0.01 + 0.01 * rows["wall time"]), err);
    }
}

using System.Net;
using System.Net.Sockets;
using GpuDigits.Tests.Cli;
using GpuDigits.Tests.Viz;
using NUnit.Framework;

namespace GpuDigits.Tests.Web;

/// <summary><c>gpudigits serve</c> as a process: what it prints, its one-line refusals, and a clean stop on Ctrl-C and SIGTERM.</summary>
[NonParallelizable]
public sealed class ServeCliTests
{
    private static string Address(CliProcess server)
    {
        server.WaitUntil(() => server.Out.Contains("Ctrl-C stops."), TimeSpan.FromSeconds(60), "serve to print its address");
        return System.Text.RegularExpressions.Regex.Match(server.Out, @"Serving (http://127\.0\.0\.1:\d+)/ on cpu").Groups[1].Value;
    }

    [TestCase(CliProcess.SIGINT)]
    [TestCase(CliProcess.SIGTERM)]
    public async Task ItServesTheModelOfARunFolderUntilStopped(int signal)
    {
        using var server = CliProcess.Start(["serve", "--model", ServedRuns.DefaultRunFolder, "--port", "0", "--device", "cpu"]);
        var address = Address(server);
        Assert.That(address, Is.Not.Empty, server.Out);
        Assert.That(server.Out, Does.Contain($"model {ServedRuns.DefaultModel}"));
        using (var client = new HttpClient())
        {
            var page = await client.GetStringAsync(address + "/");
            Assert.That(page, Does.Contain("<canvas id=\"pad\""));
            var info = await client.GetStringAsync(address + "/api/info");
            Assert.That(info, Does.Contain("\"model\":\"model.gdm\"").And.Contain("\"runs\":false"));
        }
        server.Signal(signal);
        Assert.That(server.WaitForExit(TimeSpan.FromSeconds(30)), Is.Zero, server.Err);
        Assert.That(server.Out, Does.EndWith("Stopped." + Environment.NewLine));
        Assert.That(server.Err, Is.Empty);
    }

    [Test]
    public void APortInUseIsOneLine()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var (code, _, err) = CliProcess.Run(["serve", "--model", ServedRuns.DefaultModel, "--port", port.ToString(), "--device", "cpu"]);
        Assert.That(code, Is.EqualTo(1), err);
        Assert.That(CliRunner.ErrorLines(err), Is.EqualTo(new[] { $"gpudigits: error: Cannot listen on 127.0.0.1 port {port}: Address already in use. Give another --port (0 picks a free one)." }));
    }

    [TestCase(new[] { "serve" }, 2, "serve needs --model FILE|RUN_DIR")]
    [TestCase(new[] { "serve", "--runs", "/nonexistent/runs" }, 1, "The runs folder '/nonexistent/runs' does not exist.")]
    [TestCase(new[] { "serve", "--model", "/nonexistent/model.gdm" }, 1, "Model file '/nonexistent/model.gdm' does not exist.")]
    [TestCase(new[] { "serve", "--model", "M", "--port", "70000" }, 2, "--port must be 0..65535, got 70000.")]
    [TestCase(new[] { "serve", "--model", "M", "--host", "example.com" }, 2, "--host takes an IP address")]
    [TestCase(new[] { "serve", "--model", "M", "--device", "tpu" }, 2, "tpu")]
    public void NonsenseIsOneLine(string[] args, int exit, string says)
    {
        args = [.. args.Select(a => a == "M" ? ServedRuns.DefaultModel : a)];
        var (code, _, err) = CliRunner.Run(args);
        Assert.That(code, Is.EqualTo(exit), err);
        var lines = CliRunner.ErrorLines(err);
        Assert.That(lines, Has.Length.EqualTo(1), err);
        Assert.That(lines[0], Does.Contain(says));
    }

    [Test]
    public void AFolderWithoutAModelIsNamed()
    {
        var empty = Directory.CreateTempSubdirectory("gpudigits-serve-empty-").FullName;
        try
        {
            var (code, _, err) = CliRunner.Run("serve", "--model", empty);
            Assert.That(code, Is.EqualTo(2), err);
            Assert.That(CliRunner.ErrorLines(err).Single(), Does.Contain("holds neither model.gdm nor model-best.gdm"));
        }
        finally { Directory.Delete(empty); }
    }
}

using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using NUnit.Framework;

namespace GpuDigits.Tests.Cli;

/// <summary>
/// The built <c>gpudigits</c> running as a child process (gpudigits.dll is copied next to the test assembly by the
/// project reference), so tests can send it real signals, kill it, and limit what it may write.
/// </summary>
internal sealed class CliProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _out = new();
    private readonly StringBuilder _err = new();

    private CliProcess(ProcessStartInfo start)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        start.WorkingDirectory = TestContext.CurrentContext.TestDirectory;
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_out) _out.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_err) _err.AppendLine(e.Data); };
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public static string Dotnet
    {
        get
        {
            var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
            return string.IsNullOrEmpty(host) || !File.Exists(host) ? "dotnet" : host;
        }
    }

    public static string Dll => Path.Combine(TestContext.CurrentContext.TestDirectory, "gpudigits.dll");

    /// <summary>
    /// Starts <c>gpudigits args</c>. With <paramref name="fileSizeLimitKiB"/>, runs it under <c>ulimit -f</c> with
    /// SIGXFSZ ignored, so a write past the limit fails with EFBIG (a full disk, as far as the program can tell).
    /// </summary>
    public static CliProcess Start(IEnumerable<string> args, IDictionary<string, string>? environment = null, long? fileSizeLimitKiB = null)
    {
        ProcessStartInfo start;
        if (fileSizeLimitKiB is { } kib)
        {
            // POSIX sh counts ulimit -f in 512-byte blocks.
            start = new ProcessStartInfo("/bin/sh");
            // The runtime's W^X double mapping sizes a memory file at startup, which the limit would refuse.
            start.Environment["DOTNET_EnableWriteXorExecute"] = "0";
            foreach (var a in new[] { "-c", $"trap '' XFSZ; ulimit -f {kib * 2} || exit 99; exec \"$@\"", "sh", Dotnet, Dll }) start.ArgumentList.Add(a);
        }
        else
        {
            start = new ProcessStartInfo(Dotnet);
            start.ArgumentList.Add(Dll);
        }
        foreach (var a in args) start.ArgumentList.Add(a);
        if (environment is not null)
            foreach (var (k, v) in environment) start.Environment[k] = v;
        return new CliProcess(start);
    }

    /// <summary>Runs to the end (failing the test after <paramref name="timeout"/>).</summary>
    public static (int Code, string Out, string Err) Run(IEnumerable<string> args, TimeSpan? timeout = null,
        IDictionary<string, string>? environment = null, long? fileSizeLimitKiB = null)
    {
        using var p = Start(args, environment, fileSizeLimitKiB);
        int code = p.WaitForExit(timeout ?? TimeSpan.FromMinutes(3));
        return (code, p.Out, p.Err);
    }

    public int Id => _process.Id;

    public string Out
    {
        get { lock (_out) return _out.ToString(); }
    }

    public string Err
    {
        get { lock (_err) return _err.ToString(); }
    }

    public bool HasExited => _process.HasExited;

    /// <summary>Waits until <paramref name="condition"/> holds (polling), failing the test if the process ends first or time runs out.</summary>
    public void WaitUntil(Func<bool> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (_process.HasExited && !condition())
                Assert.Fail($"gpudigits exited ({_process.ExitCode}) before {what}.\nstdout:\n{Out}\nstderr:\n{Err}");
            if (clock.Elapsed > timeout) Assert.Fail($"Timed out waiting for {what}.\nstdout:\n{Out}\nstderr:\n{Err}");
            Thread.Sleep(20);
        }
    }

    /// <summary>Waits for the process to end and returns its exit code (the test fails after <paramref name="timeout"/>).</summary>
    public int WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            Kill();
            Assert.Fail($"gpudigits did not finish within {timeout}.\nstdout:\n{Out}\nstderr:\n{Err}");
        }
        _process.WaitForExit(); // drains the output readers
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: no handler runs, nothing is flushed.</summary>
    public void Kill()
    {
        try { _process.Kill(); } catch (InvalidOperationException) { }
        _process.WaitForExit();
    }

    public const int SIGINT = 2;
    public const int SIGTERM = 15;

    public void Signal(int signal)
    {
        if (sys_kill(_process.Id, signal) != 0)
            Assert.Fail($"kill({_process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int sys_kill(int pid, int signal);

    public void Dispose()
    {
        if (!_process.HasExited) Kill();
        _process.Dispose();
    }
}

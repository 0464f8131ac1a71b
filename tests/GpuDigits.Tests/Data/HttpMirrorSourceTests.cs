using System.Net;
using System.Net.Sockets;
using GpuDigits.Data;
using NUnit.Framework;

namespace GpuDigits.Tests.Data;

public class HttpMirrorSourceTests
{
    /// <summary>Serves a fixed set of paths on a loopback port; anything else is a 404.</summary>
    private sealed class LocalServer : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Dictionary<string, byte[]> _files;
        private readonly Task _loop;

        public LocalServer(Dictionary<string, byte[]> files)
        {
            _files = files;
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            int port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            BaseUrl = $"http://127.0.0.1:{port}/mnist/";
            _listener.Prefixes.Add(BaseUrl);
            _listener.Start();
            _loop = Task.Run(ServeAsync);
        }

        public string BaseUrl { get; }
        public List<string> Requests { get; } = [];

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try { context = await _listener.GetContextAsync(); }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
                string path = context.Request.Url!.AbsolutePath;
                lock (Requests) Requests.Add(path);
                if (_files.TryGetValue(path, out var body))
                {
                    context.Response.ContentLength64 = body.Length;
                    await context.Response.OutputStream.WriteAsync(body);
                }
                else context.Response.StatusCode = 404;
                context.Response.Close();
            }
        }

        public void Dispose()
        {
            _listener.Stop();
            _listener.Close();
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
    }

    [Test]
    public async Task DownloadsGzipFilesFromAMirror()
    {
        using var fake = new FakeMnist();
        using var data = new TempFolder();
        using var server = new LocalServer(fake.Specs.Zip(fake.Contents)
            .ToDictionary(p => $"/mnist/{p.First.Name}.gz", p => IdxBytes.Gzip(p.Second)));

        await new MnistFetcher(fake.Specs, [new HttpMirrorSource(server.BaseUrl)]).EnsureAsync(data.Path);

        Assert.That(data.Entries(), Is.EqualTo(fake.Names));
        Assert.That(File.ReadAllBytes(data.File("fake-test")), Is.EqualTo(fake.Contents[2]));
        Assert.That(server.Requests, Is.EqualTo(fake.Specs.Select(s => $"/mnist/{s.Name}.gz")));
    }

    [Test]
    public async Task MissingFileOnTheMirrorIsReportedWithItsStatus()
    {
        using var fake = new FakeMnist();
        using var data = new TempFolder();
        using var server = new LocalServer(new Dictionary<string, byte[]>
        {
            ["/mnist/fake-train.gz"] = IdxBytes.Gzip(fake.Contents[0]),
        });

        var e = await Assert.ThrowsAsync<DataUnavailableException>(() =>
            new MnistFetcher(fake.Specs, [new HttpMirrorSource(server.BaseUrl)]).EnsureAsync(data.Path));

        Assert.That(e!.MissingFiles, Is.EqualTo(new[] { "fake-labels", "fake-test" }));
        Assert.That(e!.Message, Does.Contain($"{server.BaseUrl}: {server.BaseUrl}fake-labels.gz answered 404"));
        Assert.That(data.Entries(), Is.EqualTo(new[] { "fake-train" }));
    }
}

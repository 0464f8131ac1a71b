using GpuDigits.Data;

namespace GpuDigits.Tests.Data;

/// <summary>The product's folder source (raw files or NAME.gz) that also counts how often it was asked.</summary>
internal sealed class CountedFolder(string folder) : IMnistSource
{
    private readonly FolderSource _folder = new(folder, $"folder {folder}");

    public int Calls { get; private set; }

    public string Description => _folder.Description;

    public Task FetchAsync(IReadOnlyList<MnistFileSpec> files, IMnistFileSink sink, CancellationToken cancellation)
    {
        Calls++;
        return _folder.FetchAsync(files, sink, cancellation);
    }
}

/// <summary>Fails at once, without delivering anything.</summary>
internal sealed class FailingSource(string description, string reason) : IMnistSource
{
    public int Calls { get; private set; }

    public string Description => description;

    public Task FetchAsync(IReadOnlyList<MnistFileSpec> files, IMnistFileSink sink, CancellationToken cancellation)
    {
        Calls++;
        throw new IOException(reason);
    }
}

/// <summary>Delivers fixed bytes as the content of every wanted file.</summary>
internal sealed class BytesSource(byte[] content) : IMnistSource
{
    public string Description => "bytes source";

    public async Task FetchAsync(IReadOnlyList<MnistFileSpec> files, IMnistFileSink sink, CancellationToken cancellation)
    {
        foreach (var file in files) await sink.AcceptAsync(file, new MemoryStream(content), cancellation);
    }
}

/// <summary>Starts sending the first wanted file from a folder, then the connection "drops" halfway.</summary>
internal sealed class HalfwaySource(string folder) : IMnistSource
{
    public string Description => "flaky mirror";

    public async Task FetchAsync(IReadOnlyList<MnistFileSpec> files, IMnistFileSink sink, CancellationToken cancellation)
    {
        var file = files[0];
        var bytes = File.ReadAllBytes(Path.Combine(folder, file.Name));
        await sink.AcceptAsync(file, new BreakingStream(bytes, bytes.Length / 2), cancellation);
    }

    private sealed class BreakingStream(byte[] data, int breakAt) : Stream
    {
        private int _position;

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_position >= breakAt) throw new IOException("connection reset by peer");
            int n = Math.Min(Math.Min(count, breakAt - _position), 1000);
            Array.Copy(data, _position, buffer, offset, n);
            _position += n;
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

/// <summary>Sends one byte of the first file, then waits until cancelled.</summary>
internal sealed class StallingSource : IMnistSource
{
    public string Description => "stalling source";

    public Task FetchAsync(IReadOnlyList<MnistFileSpec> files, IMnistFileSink sink, CancellationToken cancellation) =>
        sink.AcceptAsync(files[0], new StallingStream(), cancellation);

    private sealed class StallingStream : Stream
    {
        private bool _sent;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (!_sent)
            {
                _sent = true;
                buffer.Span[..1].Fill(7);
                return 1;
            }
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return 0;
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

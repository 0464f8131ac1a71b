namespace GpuDigits.Data;

/// <summary>
/// Gets each file as <c>{baseUrl}{name}.gz</c> over HTTP(S), the layout of the classic MNIST mirrors.
/// Each download has its own time limit; the first file that cannot be had ends this source.
/// </summary>
public sealed class HttpMirrorSource : IMnistSource
{
    private readonly Uri _baseUrl;
    private readonly TimeSpan _timeout;
    private readonly HttpMessageHandler? _handler;

    /// <param name="baseUrl">Folder URL; a trailing slash is added when missing.</param>
    /// <param name="timeout">Limit for one file's whole download (default 2 minutes).</param>
    /// <param name="handler">HTTP handler to use (default: a new <see cref="SocketsHttpHandler"/>); not disposed.</param>
    public HttpMirrorSource(string baseUrl, TimeSpan? timeout = null, HttpMessageHandler? handler = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(baseUrl);
        _baseUrl = new Uri(baseUrl.EndsWith('/') ? baseUrl : baseUrl + "/", UriKind.Absolute);
        _timeout = timeout ?? TimeSpan.FromMinutes(2);
        _handler = handler;
    }

    public string Description => _baseUrl.ToString();

    public async Task FetchAsync(IReadOnlyList<MnistFileSpec> files, IMnistFileSink sink, CancellationToken cancellation)
    {
        using var client = _handler is null
            ? new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(20) }, disposeHandler: true)
            : new HttpClient(_handler, disposeHandler: false);
        client.Timeout = Timeout.InfiniteTimeSpan;
        foreach (var file in files)
        {
            var url = new Uri(_baseUrl, file.Name + ".gz");
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            limit.CancelAfter(_timeout);
            try
            {
                using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, limit.Token)
                    .ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                    throw new HttpRequestException($"{url} answered {(int)response.StatusCode} {response.ReasonPhrase}");
                await using var body = await response.Content.ReadAsStreamAsync(limit.Token).ConfigureAwait(false);
                await sink.AcceptAsync(file, body, limit.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
            {
                throw new TimeoutException($"{url} did not finish downloading within {_timeout.TotalSeconds:N0} s");
            }
        }
    }
}

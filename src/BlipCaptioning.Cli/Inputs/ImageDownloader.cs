using System.Globalization;
using System.Net;
using System.Reflection;

namespace BlipCaptioning.Cli.Inputs;

/// <summary>
/// Downloads an <c>http://</c> or <c>https://</c> image for <c>blip caption</c>: at most <c>maxBytes</c> (the
/// announced length is checked before the body is read, the body as it arrives), within <c>timeout</c> from
/// connecting to the last byte, at most 5 redirects, no cookies, no decompression. Every way it fails is an
/// <see cref="InputFailedException"/> of kind <see cref="FailureKind.DownloadFailed"/>.
/// </summary>
internal sealed class ImageDownloader : IDisposable
{
    private readonly HttpClient _client;
    private readonly TimeSpan _timeout;
    private readonly long _maxBytes;

    public ImageDownloader(TimeSpan timeout, long maxBytes)
    {
        _timeout = timeout;
        _maxBytes = maxBytes;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = true,
            MaxAutomaticRedirections = 5,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            ConnectTimeout = timeout,
        };
        _client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        string version = typeof(ImageDownloader).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0";
        _client.DefaultRequestHeaders.UserAgent.ParseAdd($"blip/{version}");
    }

    /// <summary>Whether an argument is a URL this downloader fetches (rather than a path).</summary>
    public static bool IsUrl(string argument, out Uri? uri)
    {
        uri = null;
        return (argument.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || argument.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            && Uri.TryCreate(argument, UriKind.Absolute, out uri);
    }

    /// <summary>An input that downloads <paramref name="uri"/> when it is first opened.</summary>
    public CaptionInput Input(string argument, Uri uri) => new BufferedInput(argument, cancellationToken => DownloadAsync(uri, cancellationToken));

    public async Task<byte[]> DownloadAsync(Uri uri, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_timeout);
        try
        {
            using var response = await _client.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw Failed(string.Create(CultureInfo.InvariantCulture, $"The server answered {(int)response.StatusCode} {response.ReasonPhrase} instead of the image."));
            }

            if (response.Content.Headers.ContentLength is long announced && announced > _maxBytes)
            {
                throw Failed(string.Create(CultureInfo.InvariantCulture,
                    $"The server announces {announced:N0} bytes, over the limit of {_maxBytes:N0} bytes (--max-image-bytes); nothing was downloaded."));
            }

            await using var body = await response.Content.ReadAsStreamAsync(deadline.Token).ConfigureAwait(false);
            return await BoundedRead.ReadAsync(body, _maxBytes, deadline.Token).ConfigureAwait(false)
                ?? throw Failed(string.Create(CultureInfo.InvariantCulture,
                    $"The download passed {_maxBytes:N0} bytes, the limit (--max-image-bytes); it was stopped there."));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw Failed(string.Create(CultureInfo.InvariantCulture,
                $"The download did not finish within {_timeout.TotalSeconds:0.#} s (--download-timeout)."));
        }
        catch (HttpRequestException ex)
        {
            throw Failed($"The download failed: {ex.Message}", ex);
        }
        catch (IOException ex)
        {
            throw Failed($"The download broke off: {ex.Message}", ex);
        }
    }

    public void Dispose() => _client.Dispose();

    private static InputFailedException Failed(string message, Exception? inner = null) => new(FailureKind.DownloadFailed, message, inner);
}

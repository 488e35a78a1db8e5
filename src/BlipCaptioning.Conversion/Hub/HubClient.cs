using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace BlipCaptioning.Conversion.Hub;

/// <summary>
/// Talks to the Hugging Face hub's HTTP API: the model-info endpoint
/// (<c>GET {endpoint}/api/models/{repo}/revision/{revision}?blobs=true</c>) and the file endpoint
/// (<c>{endpoint}/{repo}/resolve/{revision}/{file}</c>, which may redirect large files to a CDN).
/// Sends the token to the hub's own host only, never to a CDN it redirects to, and never logs it.
/// </summary>
public sealed partial class HubClient : IDisposable
{
    private const int MaxRedirects = 10;
    private readonly HubOptions _options;
    private readonly HttpClient _http;

    public HubClient(HubOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = options.RequestTimeout,
        };
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("blip", "1.0"));
    }

    /// <summary>The hub address requests go to.</summary>
    public Uri Endpoint => _options.Endpoint;

    /// <summary>
    /// Resolves <paramref name="revision"/> (branch, tag or commit) to its commit and lists its files with sizes and
    /// LFS hashes. Transient failures are retried; a missing repo or revision, or refused access, is a
    /// <see cref="HubException"/> that says which.
    /// </summary>
    public Task<HubRevisionInfo> GetRevisionAsync(string repo, string revision, CancellationToken cancellationToken = default)
    {
        ValidateRepo(repo);
        ValidateRevision(revision);
        var uri = RevisionUri(repo, revision);
        return TransientRetry.RunAsync(_options, $"reading {repo}@{revision} from {Endpoint}", async token =>
        {
            using var response = await SendAsync(HttpMethod.Get, uri, offset: 0, followCrossSiteRedirects: true, token);
            if (!response.IsSuccessStatusCode)
            {
                throw ErrorFor(response, repo, revision, fileName: null);
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
            timeout.CancelAfter(_options.RequestTimeout);
            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
            HubRevisionInfo? info;
            try
            {
                info = await JsonSerializer.DeserializeAsync<HubRevisionInfo>(body, cancellationToken: timeout.Token);
            }
            catch (JsonException ex)
            {
                throw new HubException($"The answer from {uri} is not the hub's model-info JSON: {ex.Message}", ex);
            }

            if (info is null || string.IsNullOrEmpty(info.Commit) || info.Siblings is null)
            {
                throw new HubException($"The answer from {uri} has no commit 'sha' or no 'siblings' list: is HF_ENDPOINT ({Endpoint}) a Hugging Face hub?");
            }

            return info;
        }, cancellationToken);
    }

    /// <summary>
    /// Reads a file's commit, ETag and size with a HEAD request on its resolve address, following redirects within
    /// the hub only (a CDN redirect's headers carry <c>X-Linked-Etag</c> and <c>X-Linked-Size</c>).
    /// </summary>
    public Task<HubFileMetadata> GetFileMetadataAsync(
        string repo, string revision, string fileName, CancellationToken cancellationToken = default)
    {
        ValidateRepo(repo);
        ValidateRevision(revision);
        var uri = FileUri(repo, revision, fileName);
        return TransientRetry.RunAsync(_options, $"reading the metadata of {fileName}", async token =>
        {
            using var response = await SendAsync(HttpMethod.Head, uri, offset: 0, followCrossSiteRedirects: false, token);
            if (!response.IsSuccessStatusCode && !IsRedirect(response.StatusCode))
            {
                throw ErrorFor(response, repo, revision, fileName);
            }

            var etag = Header(response, "X-Linked-Etag") ?? Header(response, "ETag");
            var size = long.TryParse(Header(response, "X-Linked-Size"), out var linked) ? linked : response.Content.Headers.ContentLength;
            return new HubFileMetadata(Header(response, "X-Repo-Commit"), NormalizeETag(etag), size);
        }, cancellationToken);
    }

    /// <summary>
    /// Starts one GET of a file from <paramref name="offset"/> (a <c>Range: bytes=offset-</c> request when above zero),
    /// following redirects. No retries here: the caller resumes. A failure status becomes a <see cref="HubException"/>,
    /// except 416, which the caller handles by starting over.
    /// </summary>
    internal async Task<HttpResponseMessage> OpenFileAsync(
        string repo, string revision, string fileName, long offset, CancellationToken cancellationToken)
    {
        var response = await SendAsync(HttpMethod.Get, FileUri(repo, revision, fileName), offset, followCrossSiteRedirects: true, cancellationToken);
        if (response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            return response;
        }

        using (response)
        {
            throw ErrorFor(response, repo, revision, fileName);
        }
    }

    internal Uri RevisionUri(string repo, string revision) =>
        new($"{Base}/api/models/{repo}/revision/{Uri.EscapeDataString(revision)}?blobs=true");

    internal Uri FileUri(string repo, string revision, string fileName) =>
        new($"{Base}/{repo}/resolve/{Uri.EscapeDataString(revision)}/{string.Join('/', fileName.Split('/').Select(Uri.EscapeDataString))}");

    /// <summary>Checks a repo id has the hub's <c>owner/name</c> shape.</summary>
    public static void ValidateRepo(string repo)
    {
        if (string.IsNullOrWhiteSpace(repo) || !RepoIdPattern().IsMatch(repo) || repo.Contains("..", StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{repo}' is not a hub repo id: use the form owner/name, e.g. Salesforce/blip-image-captioning-base.", nameof(repo));
        }
    }

    /// <summary>Checks a revision is a branch, tag or commit name that can be used in a cache path.</summary>
    public static void ValidateRevision(string revision)
    {
        if (string.IsNullOrWhiteSpace(revision) || revision.Contains("..", StringComparison.Ordinal)
            || revision.StartsWith('/') || revision.Contains('\\', StringComparison.Ordinal) || revision.Any(char.IsControl))
        {
            throw new ArgumentException($"'{revision}' is not a usable revision: give a branch (main), a tag or a 40-digit commit.", nameof(revision));
        }
    }

    /// <summary>An ETag without its weak marker and quotes, as huggingface_hub names cache blobs.</summary>
    internal static string? NormalizeETag(string? etag)
    {
        if (string.IsNullOrWhiteSpace(etag))
        {
            return null;
        }

        var value = etag.Trim();
        if (value.StartsWith("W/", StringComparison.Ordinal))
        {
            value = value[2..];
        }

        return value.Trim('"');
    }

    public void Dispose() => _http.Dispose();

    private string Base => Endpoint.AbsoluteUri.TrimEnd('/');

    private async Task<HttpResponseMessage> SendAsync(
        HttpMethod method, Uri uri, long offset, bool followCrossSiteRedirects, CancellationToken cancellationToken)
    {
        for (var hop = 0; hop <= MaxRedirects; hop++)
        {
            var request = new HttpRequestMessage(method, uri);
            if (_options.Token is { Length: > 0 } token && IsHubHost(uri))
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }

            if (offset > 0)
            {
                request.Headers.Range = new RangeHeaderValue(offset, null);
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_options.RequestTimeout);
            var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (!IsRedirect(response.StatusCode) || response.Headers.Location is not { } location)
            {
                return response;
            }

            var target = location.IsAbsoluteUri ? location : new Uri(uri, location);
            if (!followCrossSiteRedirects && !SameOrigin(target, uri))
            {
                return response;
            }

            response.Dispose();
            uri = target;
        }

        throw new HubException($"The hub redirected more than {MaxRedirects} times for {uri}.");
    }

    private HubException ErrorFor(HttpResponseMessage response, string repo, string? revision, string? fileName)
    {
        var status = (int)response.StatusCode;
        var code = Header(response, "X-Error-Code");
        var at = revision is null ? "" : $" at revision '{revision}'";
        var message = response.StatusCode switch
        {
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden when code == "RepoNotFound" =>
                $"Repo '{repo}' was not found on {Endpoint} (HTTP {status}), or it is private: check the name; for a private repo set HF_TOKEN (or pass --token) to a token that can read it.",
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden when _options.Token is { Length: > 0 } =>
                $"Access to '{repo}' was refused (HTTP {status}) with the token given: the repo is gated or private. Accept its terms at {Base}/{repo} with the token's account, or use a token that can read it.",
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden =>
                $"Access to '{repo}' was refused (HTTP {status}): the repo is gated or private: set HF_TOKEN (or pass --token) to a Hugging Face access token that can read it.",
            HttpStatusCode.NotFound when code == "RepoNotFound" =>
                $"Repo '{repo}' was not found on {Endpoint}: check the name (owner/name).",
            HttpStatusCode.NotFound when code == "RevisionNotFound" =>
                $"Revision '{revision}' was not found in repo '{repo}': give an existing branch, tag or commit.",
            HttpStatusCode.NotFound when fileName is not null =>
                $"File '{fileName}' was not found in repo '{repo}'{at}.",
            HttpStatusCode.NotFound =>
                $"Repo '{repo}' or its revision '{revision}' was not found on {Endpoint} (HTTP 404).",
            _ => $"The hub answered HTTP {status} ({response.ReasonPhrase}) for {(fileName is null ? $"{repo}{at}" : $"'{fileName}' in {repo}{at}")}.",
        };
        var transient = status is 408 or 429 or >= 500;
        return new HubException(message, response.StatusCode, transient);
    }

    private bool IsHubHost(Uri uri) => SameOrigin(uri, Endpoint);

    private static bool SameOrigin(Uri a, Uri b) =>
        string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(a.Host, b.Host, StringComparison.OrdinalIgnoreCase)
        && a.Port == b.Port;

    private static bool IsRedirect(HttpStatusCode status) => (int)status is 301 or 302 or 303 or 307 or 308;

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? values.FirstOrDefault()
            : null;

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$")]
    private static partial Regex RepoIdPattern();
}

using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace BlipCaptioning.Conversion.Tests.Hub;

/// <summary>
/// A real HTTP server on 127.0.0.1 that answers like the Hugging Face hub: the model-info API
/// (<c>/api/models/{repo}/revision/{rev}[?blobs=true]</c>), <c>/{repo}/resolve/{rev}/{file}</c> (LFS files redirect to
/// <c>/cdn/{sha256}</c>), Range requests, <c>X-Error-Code</c> on errors, bearer-token checks. Faults can be injected.
/// </summary>
internal sealed class FakeHubServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly HttpListener _cdnListener = new();
    private readonly CancellationTokenSource _stopping = new();
    private bool _disposed;
    private readonly Dictionary<string, FakeHubRepo> _repos = new(StringComparer.Ordinal);
    private static readonly string[] Tags = ["transformers", "pytorch", "blip"];
    private int _failuresLeft;

    private FakeHubServer(int port, int cdnPort)
    {
        Endpoint = new Uri($"http://127.0.0.1:{port}");
        CdnEndpoint = new Uri($"http://127.0.0.1:{cdnPort}");
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _cdnListener.Prefixes.Add($"http://127.0.0.1:{cdnPort}/");
        _listener.Start();
        _cdnListener.Start();
        _ = Task.Run(() => AcceptLoopAsync(_listener));
        _ = Task.Run(() => AcceptLoopAsync(_cdnListener));
    }

    public Uri Endpoint { get; }

    /// <summary>Where LFS downloads are redirected: another port, so another origin that must not get the token.</summary>
    public Uri CdnEndpoint { get; }

    /// <summary>When set, hub requests (not CDN ones) need <c>Authorization: Bearer {token}</c>, else 401 GatedRepo.</summary>
    public string? RequiredToken { get; set; }

    /// <summary>When false the API ignores <c>blobs=true</c> and lists names only (sizes and hashes come from HEAD).</summary>
    public bool ListsBlobs { get; set; } = true;

    /// <summary>File name -> byte count: the next GET of that file sends that many bytes, then drops the connection.</summary>
    public ConcurrentDictionary<string, long> CutNextDownloadAfter { get; } = new(StringComparer.Ordinal);

    /// <summary>File name -> byte count: the next GET of that file sends that many bytes, then stalls until the server stops.</summary>
    public ConcurrentDictionary<string, long> StallNextDownloadAfter { get; } = new(StringComparer.Ordinal);

    /// <summary>The status for an unknown repo: 404, or 401 as the real hub answers anonymous requests (private repos look the same).</summary>
    public int RepoNotFoundStatus { get; set; } = 404;

    /// <summary>When false, Range headers are ignored and every download answers 200 with the whole file.</summary>
    public bool HonoursRange { get; set; } = true;

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public IReadOnlyList<RecordedRequest> FileRequests => [.. Requests.Where(r => r.IsFileRequest)];

    public static FakeHubServer Start()
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return new FakeHubServer(FreePort(), FreePort());
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                // The free port was taken in between; try another.
            }
        }
    }

    private static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    public FakeHubRepo AddRepo(string id)
    {
        var repo = new FakeHubRepo(id);
        lock (_repos)
        {
            _repos[id] = repo;
        }

        return repo;
    }

    /// <summary>The next <paramref name="count"/> requests answer 503.</summary>
    public void FailNextRequests(int count) => Interlocked.Exchange(ref _failuresLeft, count);

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _stopping.Cancel();
        _listener.Close();
        _cdnListener.Close();
    }

    private async Task AcceptLoopAsync(HttpListener listener)
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        try
        {
            var pathAndQuery = request.RawUrl ?? "/";
            Requests.Enqueue(new RecordedRequest(request.HttpMethod, pathAndQuery, request.Headers["Range"], request.Headers["Authorization"]));
            if (Interlocked.Decrement(ref _failuresLeft) >= 0)
            {
                await ErrorAsync(response, 503, null, "Service Unavailable");
                return;
            }

            var path = pathAndQuery.Split('?')[0];
            var query = pathAndQuery.Contains('?', StringComparison.Ordinal) ? pathAndQuery[(pathAndQuery.IndexOf('?', StringComparison.Ordinal) + 1)..] : "";
            if (path.StartsWith("/cdn/", StringComparison.Ordinal))
            {
                await ServeCdnAsync(context, path["/cdn/".Length..]);
                return;
            }

            if (RequiredToken is not null && request.Headers["Authorization"] != "Bearer " + RequiredToken)
            {
                await ErrorAsync(response, 401, "GatedRepo", "Access to this model is restricted. You must be authenticated to access it.");
                return;
            }

            var segments = path.Trim('/').Split('/');
            if (segments is ["api", "models", var owner, var name, "revision", var revision])
            {
                await ServeRevisionAsync(response, $"{owner}/{name}", Uri.UnescapeDataString(revision), query.Contains("blobs=true", StringComparison.Ordinal));
            }
            else if (segments.Length >= 5 && segments[2] == "resolve")
            {
                var file = string.Join('/', segments[4..].Select(Uri.UnescapeDataString));
                await ServeResolveAsync(context, $"{segments[0]}/{segments[1]}", Uri.UnescapeDataString(segments[3]), file);
            }
            else
            {
                await ErrorAsync(response, 404, null, "Not Found");
            }
        }
        catch (Exception ex) when (ex is HttpListenerException or IOException or ObjectDisposedException)
        {
            // The client went away; nothing to answer.
        }
    }

    private async Task ServeRevisionAsync(HttpListenerResponse response, string repoId, string revision, bool blobs)
    {
        if (Find(repoId) is not { } repo)
        {
            await ErrorAsync(response, RepoNotFoundStatus, "RepoNotFound", "Repository not found");
            return;
        }

        if (repo.Resolve(revision) is not { } commit)
        {
            await ErrorAsync(response, 404, "RevisionNotFound", "Invalid rev id: " + revision);
            return;
        }

        var withBlobs = blobs && ListsBlobs;
        var siblings = repo.Files.Select(pair => (object)SiblingJson(pair.Key, pair.Value, withBlobs))
            .Concat(repo.ListedButMissing.Select(name => (object)new Dictionary<string, object> { ["rfilename"] = name }))
            .ToList();
        var json = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["_id"] = "6400000000000000000000aa",
            ["id"] = repo.Id,
            ["modelId"] = repo.Id,
            ["author"] = repo.Id.Split('/')[0],
            ["sha"] = commit,
            ["private"] = false,
            ["gated"] = RequiredToken is null ? false : "auto",
            ["pipeline_tag"] = "image-to-text",
            ["tags"] = Tags,
            ["siblings"] = siblings,
        });
        await WriteAsync(response, 200, "application/json", Encoding.UTF8.GetBytes(json));
    }

    private static Dictionary<string, object> SiblingJson(string name, FakeHubFile file, bool withBlobs)
    {
        var sibling = new Dictionary<string, object> { ["rfilename"] = name };
        if (withBlobs)
        {
            sibling["size"] = file.ListedSize;
            sibling["blobId"] = file.BlobId;
            if (file.IsLfs)
            {
                sibling["lfs"] = new Dictionary<string, object> { ["sha256"] = file.Sha256, ["size"] = file.ListedSize, ["pointerSize"] = 135 };
            }
        }

        return sibling;
    }

    private async Task ServeResolveAsync(HttpListenerContext context, string repoId, string revision, string fileName)
    {
        var response = context.Response;
        if (Find(repoId) is not { } repo)
        {
            await ErrorAsync(response, RepoNotFoundStatus, "RepoNotFound", "Repository not found");
            return;
        }

        if (repo.Resolve(revision) is not { } commit)
        {
            await ErrorAsync(response, 404, "RevisionNotFound", "Invalid rev id: " + revision);
            return;
        }

        if (!repo.Files.TryGetValue(fileName, out var file))
        {
            await ErrorAsync(response, 404, "EntryNotFound", $"{fileName} does not exist on \"{revision}\"");
            return;
        }

        response.Headers["X-Repo-Commit"] = commit;
        if (file.IsLfs)
        {
            response.Headers["X-Linked-Etag"] = $"\"{file.Sha256}\"";
            response.Headers["X-Linked-Size"] = file.ListedSize.ToString(System.Globalization.CultureInfo.InvariantCulture);
            response.Headers["ETag"] = $"W/\"{file.BlobId}\"";
            response.Headers["Location"] = new Uri(CdnEndpoint, $"/cdn/{file.Sha256}?name={Uri.EscapeDataString(fileName)}").AbsoluteUri;
            response.StatusCode = 302;
            response.ContentLength64 = 0;
            response.Close();
            return;
        }

        response.Headers["ETag"] = $"\"{file.BlobId}\"";
        await ServeBytesAsync(context, fileName, file);
    }

    private async Task ServeCdnAsync(HttpListenerContext context, string sha256)
    {
        List<(string Name, FakeHubFile File)> matches;
        lock (_repos)
        {
            matches = [.. _repos.Values.SelectMany(r => r.Files).Where(f => f.Value.Sha256 == sha256).Select(f => (f.Key, f.Value))];
        }

        if (matches.Count == 0)
        {
            await ErrorAsync(context.Response, 404, null, "Not Found");
            return;
        }

        await ServeBytesAsync(context, matches[0].Name, matches[0].File);
    }

    private async Task ServeBytesAsync(HttpListenerContext context, string fileName, FakeHubFile file)
    {
        var response = context.Response;
        var bytes = file.Served;
        var start = 0L;
        var range = context.Request.Headers["Range"];
        if (HonoursRange && range is not null && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-'))
        {
            start = long.Parse(range["bytes=".Length..^1], System.Globalization.CultureInfo.InvariantCulture);
            if (start >= bytes.Length)
            {
                response.Headers["Content-Range"] = $"bytes */{bytes.Length}";
                await ErrorAsync(response, 416, null, "Range Not Satisfiable");
                return;
            }

            response.StatusCode = 206;
            response.Headers["Content-Range"] = $"bytes {start}-{bytes.Length - 1}/{bytes.Length}";
        }

        response.Headers["Accept-Ranges"] = "bytes";
        response.ContentType = "application/octet-stream";
        response.ContentLength64 = bytes.Length - start;
        if (context.Request.HttpMethod == "HEAD")
        {
            response.Close();
            return;
        }

        if (context.Request.HttpMethod == "GET" && CutNextDownloadAfter.TryRemove(fileName, out var cut))
        {
            await response.OutputStream.WriteAsync(bytes.AsMemory((int)start, (int)Math.Min(cut, bytes.Length - start)));
            await response.OutputStream.FlushAsync();
            response.Abort();
            return;
        }

        if (context.Request.HttpMethod == "GET" && StallNextDownloadAfter.TryRemove(fileName, out var stall))
        {
            await response.OutputStream.WriteAsync(bytes.AsMemory((int)start, (int)Math.Min(stall, bytes.Length - start)));
            await response.OutputStream.FlushAsync();
            try
            {
                await Task.Delay(Timeout.Infinite, _stopping.Token);
            }
            catch (OperationCanceledException)
            {
                response.Abort();
                return;
            }
        }

        await response.OutputStream.WriteAsync(bytes.AsMemory((int)start));
        response.Close();
    }

    private FakeHubRepo? Find(string id)
    {
        lock (_repos)
        {
            return _repos.GetValueOrDefault(id);
        }
    }

    private static async Task ErrorAsync(HttpListenerResponse response, int status, string? errorCode, string message)
    {
        if (errorCode is not null)
        {
            response.Headers["X-Error-Code"] = errorCode;
        }

        response.Headers["X-Error-Message"] = message;
        await WriteAsync(response, status, "application/json", Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { error = message })));
    }

    private static async Task WriteAsync(HttpListenerResponse response, int status, string contentType, byte[] body)
    {
        response.StatusCode = status;
        response.ContentType = contentType;
        response.ContentLength64 = body.Length;
        await response.OutputStream.WriteAsync(body);
        response.Close();
    }
}

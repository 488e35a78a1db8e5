using System.Net;
using System.Net.Sockets;
using System.Text;

namespace BlipCaptioning.Cli.Tests;

/// <summary>
/// A minimal HTTP/1.1 server on 127.0.0.1 (a free port, loopback only) for the URL inputs of blip caption:
/// each path answers with what the test registered: an image, a status, a lying length, a body that never ends,
/// an answer that never comes.
/// </summary>
internal sealed class LoopbackImageServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Dictionary<string, Func<Stream, CancellationToken, Task>> _routes = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public LoopbackImageServer()
    {
        _listener.Start();
        _loop = Task.Run(AcceptLoopAsync);
    }

    public string Url(string path) => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}{path}";

    /// <summary>200 with the bytes and their Content-Length.</summary>
    public void Serve(string path, byte[] body) => _routes[path] = async (stream, ct) =>
    {
        await WriteHeadAsync(stream, "200 OK", $"Content-Type: application/octet-stream\r\nContent-Length: {body.Length}\r\n", ct);
        await stream.WriteAsync(body, ct);
    };

    /// <summary>A status with no image.</summary>
    public void Status(string path, string status) => _routes[path] = (stream, ct) => WriteHeadAsync(stream, status, "Content-Length: 0\r\n", ct);

    /// <summary>200 announcing <paramref name="length"/> bytes (and sending none).</summary>
    public void AnnounceLength(string path, long length) => _routes[path] = (stream, ct) =>
        WriteHeadAsync(stream, "200 OK", $"Content-Length: {length}\r\n", ct);

    /// <summary>200 without a length, then 64 KiB chunks for as long as the client reads.</summary>
    public void Endless(string path) => _routes[path] = async (stream, ct) =>
    {
        await WriteHeadAsync(stream, "200 OK", "", ct);
        byte[] chunk = new byte[64 * 1024];
        while (!ct.IsCancellationRequested)
        {
            await stream.WriteAsync(chunk, ct);
        }
    };

    /// <summary>Accepts the request, signals <paramref name="requested"/> and never answers.</summary>
    public void Silent(string path, TaskCompletionSource? requested = null) => _routes[path] = (_, ct) =>
    {
        requested?.TrySetResult();
        return Task.Delay(Timeout.Infinite, ct);
    };

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }

        _stop.Dispose();
    }

    private static Task WriteHeadAsync(Stream stream, string status, string headers, CancellationToken ct) =>
        stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 {status}\r\n{headers}Connection: close\r\n\r\n"), ct).AsTask();

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            _ = Task.Run(() => HandleAsync(client));
        }
    }

    private async Task HandleAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                string path = await ReadRequestPathAsync(stream);
                if (_routes.TryGetValue(path, out var route))
                {
                    await route(stream, _stop.Token);
                }
                else
                {
                    await WriteHeadAsync(stream, "404 Not Found", "Content-Length: 0\r\n", _stop.Token);
                }
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // The client went away (a refused download stops reading) or the server stops.
            }
        }
    }

    private async Task<string> ReadRequestPathAsync(Stream stream)
    {
        var head = new StringBuilder();
        byte[] one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal) && head.Length < 16 * 1024)
        {
            if (await stream.ReadAsync(one, _stop.Token) == 0)
            {
                break;
            }

            head.Append((char)one[0]);
        }

        string[] requestLine = head.ToString().Split("\r\n")[0].Split(' ');
        return requestLine.Length >= 2 ? requestLine[1] : "/";
    }
}

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Azure.Data.Tables;
using Azure.Storage.Blobs;

using BlipCaptioning.Testing;

namespace BlipFunctions.Testing;

/// <summary>
/// A real Azurite (blob, queue, table) from the repository's node_modules, on free ports, in memory; started once
/// per test collection and stopped after it. Run `npm ci` first (scripts/test.sh does).
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    // Azurite's published development account (Azurite README, "Default storage account").
    private const string AccountName = "devstoreaccount1";
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private Process? _process;
    private readonly List<string> _output = [];

    public string ConnectionString { get; private set; } = string.Empty;

    public int BlobPort { get; private set; }

    public BlobServiceClient Blobs => new(ConnectionString);

    public TableServiceClient Tables => new(ConnectionString);

    public async Task InitializeAsync()
    {
        string azurite = Path.Combine(RepositoryPaths.Root, "node_modules", ".bin", "azurite");
        if (!File.Exists(azurite))
        {
            throw new InvalidOperationException(
                $"Azurite is not installed ({azurite} is missing): run `npm ci` in {RepositoryPaths.Root} (scripts/test.sh does it), then run the tests again.");
        }

        int[] ports = FreePorts(3);
        BlobPort = ports[0];
        var start = new ProcessStartInfo(azurite)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepositoryPaths.Root,
        };
        foreach (string arg in new[]
                 {
                     "--silent", "--inMemoryPersistence", "--skipApiVersionCheck", "--loose", "--disableTelemetry",
                     "--blobHost", "127.0.0.1", "--blobPort", ports[0].ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "--queueHost", "127.0.0.1", "--queuePort", ports[1].ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "--tableHost", "127.0.0.1", "--tablePort", ports[2].ToString(System.Globalization.CultureInfo.InvariantCulture),
                 })
        {
            start.ArgumentList.Add(arg);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {azurite}.");
        _process.OutputDataReceived += (_, e) => Remember(e.Data);
        _process.ErrorDataReceived += (_, e) => Remember(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        ConnectionString =
            $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};" +
            $"BlobEndpoint=http://127.0.0.1:{ports[0]}/{AccountName};" +
            $"QueueEndpoint=http://127.0.0.1:{ports[1]}/{AccountName};" +
            $"TableEndpoint=http://127.0.0.1:{ports[2]}/{AccountName};";
        await WaitUntilServingAsync().ConfigureAwait(false);
    }

    public Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process?.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>A table name no other test uses.</summary>
    public static string UniqueTableName() => "captions" + Guid.NewGuid().ToString("N")[..12];

    private async Task WaitUntilServingAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            if (_process!.HasExited)
            {
                throw new InvalidOperationException($"Azurite exited with code {_process.ExitCode}: {string.Join(Environment.NewLine, Snapshot())}");
            }

            try
            {
                await Blobs.GetBlobContainerClient("probe").ExistsAsync().ConfigureAwait(false);
                await foreach (var _ in Tables.QueryAsync(maxPerPage: 1).ConfigureAwait(false))
                {
                    break;
                }

                return;
            }
            catch (Exception e) when (e is Azure.RequestFailedException or HttpRequestException or AggregateException)
            {
                last = e;
                await Task.Delay(200).ConfigureAwait(false);
            }
        }

        throw new InvalidOperationException($"Azurite did not answer within 60 s: {last?.Message} {string.Join(Environment.NewLine, Snapshot())}");
    }

    private void Remember(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.Add(line);
            }
        }
    }

    private List<string> Snapshot()
    {
        lock (_output)
        {
            return [.. _output];
        }
    }

    private static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        listeners.ForEach(l => l.Start());
        int[] ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        listeners.ForEach(l => l.Stop());
        return ports;
    }
}

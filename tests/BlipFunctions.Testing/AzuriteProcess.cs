using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Azure.Data.Tables;
using Azure.Storage.Blobs;

namespace BlipFunctions.Testing;

/// <summary>
/// A real Azurite (blob, queue, table) from the repository's node_modules, on free ports, in memory; killed when
/// disposed. The tests' <see cref="AzuriteFixture"/> and the benchmarks in bench/ both start it this way. Run
/// `npm ci` in the repository first (scripts/test.sh does).
/// </summary>
public sealed class AzuriteProcess : IDisposable
{
    // Azurite's published development account (Azurite README, "Default storage account").
    private const string AccountName = "devstoreaccount1";
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly Process _process;
    private readonly List<string> _output = [];

    private AzuriteProcess(Process process, int[] ports)
    {
        _process = process;
        BlobPort = ports[0];
        ConnectionString =
            $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};" +
            $"BlobEndpoint=http://127.0.0.1:{ports[0]}/{AccountName};" +
            $"QueueEndpoint=http://127.0.0.1:{ports[1]}/{AccountName};" +
            $"TableEndpoint=http://127.0.0.1:{ports[2]}/{AccountName};";
    }

    public string ConnectionString { get; }

    public int BlobPort { get; }

    public BlobServiceClient Blobs => new(ConnectionString);

    public TableServiceClient Tables => new(ConnectionString);

    /// <summary>The path of the Azurite that <see cref="StartAsync"/> runs for a repository.</summary>
    public static string ExecutableIn(string repositoryRoot) => Path.Combine(repositoryRoot, "node_modules", ".bin", "azurite");

    /// <summary>Starts Azurite from <paramref name="repositoryRoot"/>'s node_modules and waits until blobs and tables answer.</summary>
    public static async Task<AzuriteProcess> StartAsync(string repositoryRoot)
    {
        string azurite = ExecutableIn(repositoryRoot);
        if (!File.Exists(azurite))
        {
            throw new InvalidOperationException(
                $"Azurite is not installed ({azurite} is missing): run `npm ci` in {repositoryRoot} (scripts/test.sh does it), then run again.");
        }

        int[] ports = FreePorts(3);
        var start = new ProcessStartInfo(azurite)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = repositoryRoot,
        };
        foreach (string arg in new[]
                 {
                     "--silent", "--inMemoryPersistence", "--skipApiVersionCheck", "--loose", "--disableTelemetry",
                     "--blobHost", "127.0.0.1", "--blobPort", Port(ports[0]),
                     "--queueHost", "127.0.0.1", "--queuePort", Port(ports[1]),
                     "--tableHost", "127.0.0.1", "--tablePort", Port(ports[2]),
                 })
        {
            start.ArgumentList.Add(arg);
        }

        Process process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {azurite}.");
        var azuriteProcess = new AzuriteProcess(process, ports);
        process.OutputDataReceived += (_, e) => azuriteProcess.Remember(e.Data);
        process.ErrorDataReceived += (_, e) => azuriteProcess.Remember(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await azuriteProcess.WaitUntilServingAsync().ConfigureAwait(false);
            return azuriteProcess;
        }
        catch
        {
            azuriteProcess.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
    }

    private async Task WaitUntilServingAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
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

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    private static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        listeners.ForEach(l => l.Start());
        int[] ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        listeners.ForEach(l => l.Stop());
        return ports;
    }
}

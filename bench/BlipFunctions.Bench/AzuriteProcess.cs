using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Azure.Storage.Blobs;

namespace BlipFunctions.Bench;

/// <summary>
/// A real Azurite (blob, queue, table) from the repository's node_modules on free ports, in memory, as the tests start
/// it; killed when disposed. Run `npm ci` in the repository first (scripts/test.sh does).
/// </summary>
internal sealed class AzuriteProcess : IDisposable
{
    // Azurite's published development account (Azurite README, "Default storage account").
    private const string AccountName = "devstoreaccount1";
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly Process _process;

    private AzuriteProcess(Process process, string connectionString)
    {
        _process = process;
        ConnectionString = connectionString;
    }

    public string ConnectionString { get; }

    public BlobServiceClient Blobs => new(ConnectionString);

    public int ProcessId => _process.Id;

    public static async Task<AzuriteProcess> StartAsync(string repositoryRoot)
    {
        string azurite = Path.Combine(repositoryRoot, "node_modules", ".bin", "azurite");
        if (!File.Exists(azurite))
        {
            throw new BenchUsageException($"Azurite is not installed ({azurite} is missing): run `npm ci` in {repositoryRoot} first.");
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
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        string connection =
            $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};" +
            $"BlobEndpoint=http://127.0.0.1:{Port(ports[0])}/{AccountName};" +
            $"QueueEndpoint=http://127.0.0.1:{Port(ports[1])}/{AccountName};" +
            $"TableEndpoint=http://127.0.0.1:{Port(ports[2])}/{AccountName};";
        var azuriteProcess = new AzuriteProcess(process, connection);
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
        DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"Azurite exited with code {_process.ExitCode}.");
            }

            try
            {
                await Blobs.GetBlobContainerClient("probe").ExistsAsync().ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (e is Azure.RequestFailedException or HttpRequestException or AggregateException && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200).ConfigureAwait(false);
            }
        }
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    private static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        listeners.ForEach(l => l.Start());
        int[] ports = [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        listeners.ForEach(l => l.Stop());
        return ports;
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace BlipFunctions.HostTests.Fixtures;

/// <summary>
/// Our built worker started the way the Functions host starts a dotnet-isolated worker (the host's RpcWorkerProcess,
/// DefaultWorkerProcessFactory and RpcWorkerContext): the executable and worker path from worker.config.json, the
/// host's arguments in both spellings (<c>--host --port --workerId --requestId --grpcMaxMessageLength</c> and
/// <c>--functions-uri --functions-worker-id --functions-request-id --functions-grpc-max-message-length</c>), the app
/// settings as environment variables, <c>FUNCTIONS_WORKER_DIRECTORY</c> and <c>FUNCTIONS_APPLICATION_DIRECTORY</c>,
/// and the app's folder as working directory.
/// </summary>
public sealed class WorkerProcess : IAsyncDisposable
{
    /// <summary>The host's RpcWorkerConstants.DefaultMaxMessageLengthBytes.</summary>
    public const int GrpcMaxMessageLength = int.MaxValue;

    private readonly Process _process;
    private readonly List<string> _output = [];
    private Task _exited = Task.CompletedTask;

    private WorkerProcess(Process process, string workerId)
    {
        _process = process;
        WorkerId = workerId;
    }

    public string WorkerId { get; }

    /// <summary>Completes when the process has exited and its output is read to the end.</summary>
    public Task Exited => _exited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Starts the worker in <paramref name="appFolder"/> for a host listening at <paramref name="functionsUri"/>.</summary>
    public static WorkerProcess Start(string appFolder, Uri functionsUri, IReadOnlyDictionary<string, string> appSettings)
    {
        using JsonDocument config = JsonDocument.Parse(File.ReadAllText(Path.Combine(appFolder, "worker.config.json")));
        JsonElement description = config.RootElement.GetProperty("description");
        string executable = description.GetProperty("defaultExecutablePath").GetString()!;
        string workerPath = Path.Combine(appFolder, description.GetProperty("defaultWorkerPath").GetString()!);
        string workerId = Guid.NewGuid().ToString();
        string requestId = Guid.NewGuid().ToString();
        string max = GrpcMaxMessageLength.ToString(CultureInfo.InvariantCulture);

        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            CreateNoWindow = true,
            UseShellExecute = false,
            WorkingDirectory = appFolder,
            Arguments = $" \"{workerPath}\" --host {functionsUri.Host} --port {functionsUri.Port} --workerId {workerId} --requestId {requestId} --grpcMaxMessageLength {max} " +
                        $"--functions-uri {functionsUri.AbsoluteUri} --functions-worker-id {workerId} --functions-request-id {requestId} --functions-grpc-max-message-length {max}",
        };
        foreach ((string name, string value) in appSettings)
        {
            start.Environment[name] = value;
        }

        start.Environment["FUNCTIONS_WORKER_DIRECTORY"] = appFolder;
        start.Environment["FUNCTIONS_APPLICATION_DIRECTORY"] = appFolder;

        var process = new Process { StartInfo = start };
        var worker = new WorkerProcess(process, workerId);
        process.OutputDataReceived += (_, e) => worker.Remember(e.Data);
        process.ErrorDataReceived += (_, e) => worker.Remember(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        worker._exited = process.WaitForExitAsync();
        return worker;
    }

    /// <summary>What the worker has written to stdout and stderr so far (the host logs both).</summary>
    public string Output()
    {
        lock (_output)
        {
            return string.Join(Environment.NewLine, _output);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _exited.WaitAsync(TimeSpan.FromSeconds(20)).ConfigureAwait(false);
        _process.Dispose();
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
}

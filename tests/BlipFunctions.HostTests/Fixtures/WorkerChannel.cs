using System.Collections.Concurrent;
using Grpc.Core;
using Microsoft.Azure.WebJobs.Script.Grpc.Messages;

namespace BlipFunctions.HostTests.Fixtures;

/// <summary>
/// The host's end of one worker's FunctionRpc.EventStream: the worker opens it with StartStream; the host sends
/// requests and matches the worker's answers to them (init and metadata by kind, loads by function id, invocations by
/// invocation id). Every wait is bounded and ends early, with the worker's output, if the worker process exits.
/// </summary>
public sealed class WorkerChannel : IDisposable
{
    private readonly TaskCompletionSource<StartStream> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<StreamingMessage>> _answers = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _logs = new();
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private IServerStreamWriter<StreamingMessage>? _writer;

    /// <summary>The worker's RpcLog messages (what the host would write to its own log).</summary>
    public IEnumerable<string> Logs => _logs;

    /// <summary>Runs for as long as the worker keeps its stream open (the gRPC service's EventStream call).</summary>
    public async Task RunAsync(IAsyncStreamReader<StreamingMessage> requests, IServerStreamWriter<StreamingMessage> responses, CancellationToken cancellationToken)
    {
        _writer = responses;
        try
        {
            while (await requests.MoveNext(cancellationToken).ConfigureAwait(false))
            {
                Receive(requests.Current);
            }
        }
        catch (OperationCanceledException)
        {
            // The host is stopping.
        }
        catch (IOException)
        {
            // The worker went away.
        }
    }

    /// <summary>The worker's first message.</summary>
    public Task<StartStream> WaitForStartStreamAsync(WorkerProcess worker, TimeSpan timeout) => WithinAsync(_started.Task, worker, timeout, "StartStream");

    /// <summary>Sends a request and waits for the answer filed under <paramref name="answerKey"/>.</summary>
    public async Task<StreamingMessage> AskAsync(StreamingMessage request, string answerKey, WorkerProcess worker, TimeSpan timeout)
    {
        TaskCompletionSource<StreamingMessage> answer = Pending(answerKey);
        await SendAsync(request).ConfigureAwait(false);
        return await WithinAsync(answer.Task, worker, timeout, answerKey).ConfigureAwait(false);
    }

    public void Dispose() => _writeLock.Dispose();

    /// <summary>Where an answer is filed: by message kind, and by function or invocation id where there are many.</summary>
    public static string KeyOf(StreamingMessage message) => message.ContentCase switch
    {
        StreamingMessage.ContentOneofCase.WorkerInitResponse => "WorkerInitResponse",
        StreamingMessage.ContentOneofCase.FunctionMetadataResponse => "FunctionMetadataResponse",
        StreamingMessage.ContentOneofCase.FunctionLoadResponse => "FunctionLoadResponse:" + message.FunctionLoadResponse.FunctionId,
        StreamingMessage.ContentOneofCase.InvocationResponse => "InvocationResponse:" + message.InvocationResponse.InvocationId,
        _ => message.ContentCase.ToString(),
    };

    private async Task SendAsync(StreamingMessage message)
    {
        IServerStreamWriter<StreamingMessage> writer = _writer ?? throw new InvalidOperationException("The worker has not opened its stream.");
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            await writer.WriteAsync(message).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private void Receive(StreamingMessage message)
    {
        switch (message.ContentCase)
        {
            case StreamingMessage.ContentOneofCase.StartStream:
                _started.TrySetResult(message.StartStream);
                break;
            case StreamingMessage.ContentOneofCase.RpcLog:
                _logs.Enqueue($"{message.RpcLog.Level} {message.RpcLog.Category}: {message.RpcLog.Message} {message.RpcLog.Exception?.Message}");
                break;
            default:
                Pending(KeyOf(message)).TrySetResult(message);
                break;
        }
    }

    private TaskCompletionSource<StreamingMessage> Pending(string key) =>
        _answers.GetOrAdd(key, _ => new TaskCompletionSource<StreamingMessage>(TaskCreationOptions.RunContinuationsAsynchronously));

    private async Task<T> WithinAsync<T>(Task<T> answer, WorkerProcess worker, TimeSpan timeout, string what)
    {
        Task first = await Task.WhenAny(answer, worker.Exited, Task.Delay(timeout)).ConfigureAwait(false);
        if (first == answer)
        {
            return await answer.ConfigureAwait(false);
        }

        if (first == worker.Exited)
        {
            throw new WorkerExitedException(
                $"The worker exited with code {worker.ExitCode} while the host waited for {what}. Its output:{Environment.NewLine}{worker.Output()}");
        }

        throw new TimeoutException(
            $"The worker sent no {what} within {timeout.TotalSeconds} s. Its output:{Environment.NewLine}{worker.Output()}" +
            $"{Environment.NewLine}Its logs:{Environment.NewLine}{string.Join(Environment.NewLine, _logs)}");
    }
}

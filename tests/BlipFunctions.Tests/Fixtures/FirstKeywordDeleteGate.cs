using Azure.Core;
using Azure.Core.Pipeline;

namespace BlipFunctions.Tests.Fixtures;

/// <summary>
/// A pipeline policy for a table client that holds the first DELETE of a keyword index entry (partition <c>kw~...</c>)
/// until the test opens it, after it reached storage's door: the request then goes to Azurite unchanged. For races
/// that are milliseconds wide in production, played deterministically on real storage.
/// </summary>
public sealed class FirstKeywordDeleteGate : HttpPipelinePolicy
{
    private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _held;

    /// <summary>Completes when the first keyword entry DELETE is being held.</summary>
    public Task Reached => _reached.Task;

    public void Open() => _open.TrySetResult();

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Request.Method == RequestMethod.Delete
            && Uri.UnescapeDataString(message.Request.Uri.ToString()).Contains("PartitionKey='kw~", StringComparison.Ordinal)
            && Interlocked.Exchange(ref _held, 1) == 0)
        {
            _reached.TrySetResult();
            await _open.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }

        await ProcessNextAsync(message, pipeline);
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        throw new NotSupportedException("The app's table calls are asynchronous.");
}

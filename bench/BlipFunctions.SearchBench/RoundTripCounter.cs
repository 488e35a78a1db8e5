using Azure.Core;
using Azure.Core.Pipeline;

namespace BlipFunctions.SearchBench;

/// <summary>Counts every HTTP request the table client sends (retries included).</summary>
internal sealed class RoundTripCounter : HttpPipelineSynchronousPolicy
{
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public void Reset() => Interlocked.Exchange(ref _count, 0);

    public override void OnSendingRequest(HttpMessage message) => Interlocked.Increment(ref _count);
}

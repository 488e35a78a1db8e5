using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using BlipFunctions.Configuration;
using BlipFunctions.Functions;

namespace BlipFunctions.Reconcile;

/// <summary>
/// The two queues of a reconcile on the CaptionStorage account: <c>caption-requests</c> (one message per blob, read
/// by <see cref="CaptionQueuedBlobFunction"/>; Flex Consumption scales that function out on its length) and
/// <c>reconcile-runs</c> (a run's id, read by <see cref="ContinueReconcileFunction"/>, which goes on listing where
/// the run stopped). Messages are plain text, as host.json's <c>queues.messageEncoding</c> (<c>none</c>) expects.
/// </summary>
public sealed class ReconcileQueues(CaptionStorageClients clients)
{
    private volatile bool _queuesExist;

    public QueueClient CaptionRequests { get; } = clients.Queues.GetQueueClient(CaptionQueuedBlobFunction.QueueName);

    public QueueClient Runs { get; } = clients.Queues.GetQueueClient(ContinueReconcileFunction.QueueName);

    public async Task SendCaptionRequestAsync(CaptionRequestMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        await EnsureQueuesAsync(cancellationToken).ConfigureAwait(false);
        await CaptionRequests.SendMessageAsync(message.ToJson(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Asks a <see cref="ContinueReconcileFunction"/> invocation to go on with the run.</summary>
    public async Task SendContinuationAsync(string runId, CancellationToken cancellationToken)
    {
        await EnsureQueuesAsync(cancellationToken).ConfigureAwait(false);
        await Runs.SendMessageAsync(runId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>About how many caption requests wait in the queue, and how many went to its poison queue.</summary>
    public async Task<(int Waiting, int Poisoned)> CaptionRequestDepthAsync(CancellationToken cancellationToken)
    {
        await EnsureQueuesAsync(cancellationToken).ConfigureAwait(false);
        QueueProperties waiting = await CaptionRequests.GetPropertiesAsync(cancellationToken).ConfigureAwait(false);
        QueueClient poison = clients.Queues.GetQueueClient(CaptionQueuedBlobFunction.QueueName + "-poison");
        int poisoned = await poison.ExistsAsync(cancellationToken).ConfigureAwait(false)
            ? (await poison.GetPropertiesAsync(cancellationToken).ConfigureAwait(false)).Value.ApproximateMessagesCount
            : 0;
        return (waiting.ApproximateMessagesCount, poisoned);
    }

    // The infrastructure declares both queues; creating them here too makes a fresh Azurite (or a hand-made account) work.
    private async Task EnsureQueuesAsync(CancellationToken cancellationToken)
    {
        if (!_queuesExist)
        {
            await CaptionRequests.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            await Runs.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            _queuesExist = true;
        }
    }
}

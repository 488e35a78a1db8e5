using BlipFunctions.Captioning;
using BlipFunctions.Configuration;
using BlipFunctions.Reconcile;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace BlipFunctions.Functions;

/// <summary>
/// Captions the blobs a reconcile queued (<c>caption-requests</c>), through the same service as the blob trigger: the
/// same claim, ETag ordering, retries and failure rows. Flex Consumption scales this function out on the queue's length.
/// </summary>
public sealed partial class CaptionQueuedBlobFunction(
    BlobCaptioningService captioning, CaptionStorageClients clients, ILogger<CaptionQueuedBlobFunction> logger)
{
    /// <summary>The queue a reconcile writes to (<see cref="CaptionRequestMessage"/>).</summary>
    public const string QueueName = "caption-requests";

    public const string Name = "CaptionQueuedBlob";

    [Function(Name)]
    public async Task Run(
        [QueueTrigger(QueueName, Connection = CaptionStorageSettings.ConnectionName)] string message,
        CancellationToken cancellationToken)
    {
        // A message that is not a caption request would fail the same way on every retry: logged and dropped.
        if (!CaptionRequestMessage.TryParse(message, out CaptionRequestMessage? request, out string error))
        {
            LogIgnored(error);
            return;
        }

        var blob = clients.Blobs.GetBlobContainerClient(CaptionBlobFunction.Container).GetBlobClient(request!.BlobName);
        await captioning.CaptionBlobAsync(blob, request.Policy, cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Caption request ignored: {Reason}")]
    private partial void LogIgnored(string reason);
}

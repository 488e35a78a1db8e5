using BlipFunctions.Captioning;
using BlipFunctions.Configuration;
using BlipFunctions.Storage;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace BlipFunctions.Functions;

/// <summary>
/// Removes the caption row (and its keyword index entries) of a deleted image: Event Grid delivers the images
/// container's <c>BlobDeleted</c> events to the <c>blob-deletions</c> storage queue (infra/app/deletions.bicep; the
/// local relay does the same on Azurite).
/// </summary>
public sealed partial class BlobDeletedFunction(
    CaptionStore store, CaptionStorageClients clients, ILogger<BlobDeletedFunction> logger)
{
    /// <summary>The queue the Event Grid subscription writes to.</summary>
    public const string QueueName = "blob-deletions";

    public const string Name = "BlobDeleted";

    [Function(Name)]
    public async Task Run(
        [QueueTrigger(QueueName, Connection = CaptionStorageSettings.ConnectionName)] string message,
        CancellationToken cancellationToken)
    {
        // A message that is not a BlobDeleted event of our container would fail the same way on every retry: it is
        // logged and dropped rather than sent to the poison queue five attempts later.
        if (!BlobDeletedEvent.TryParse(message, out BlobDeletedEvent? deleted, out string error))
        {
            LogIgnored(error);
            return;
        }

        const string container = CaptionBlobFunction.Container;
        if (deleted!.Container != container || BlobNames.Validate(deleted.BlobName) is not null)
        {
            LogIgnored($"The event is for {deleted.Container}/{deleted.BlobName}, not a blob of the container '{container}' the app captions.");
            return;
        }

        bool removed = await new DeletedBlobRows(store)
            .RemoveIfGoneAsync(clients.Blobs.GetBlobContainerClient(container).GetBlobClient(deleted.BlobName), cancellationToken)
            .ConfigureAwait(false);
        LogDeleted(deleted.BlobName, removed);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queue message ignored: {Reason}")]
    private partial void LogIgnored(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Blob {BlobName} deleted; caption row removed: {Removed}")]
    private partial void LogDeleted(string blobName, bool removed);
}

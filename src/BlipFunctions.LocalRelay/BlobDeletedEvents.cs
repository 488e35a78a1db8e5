using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Storage.Blobs;

namespace BlipFunctions.LocalRelay;

/// <summary>
/// Microsoft.Storage.BlobDeleted events in the Event Grid schema, one per message, as an Event Grid subscription with a
/// storage queue destination writes them (the app reads <c>eventType</c> and <c>subject</c>).
/// </summary>
public static class BlobDeletedEvents
{
    public const string EventType = "Microsoft.Storage.BlobDeleted";

    public static string ToJson(BlobContainerClient container, string blobName, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(container);
        ArgumentException.ThrowIfNullOrEmpty(blobName);
        var evt = new JsonObject
        {
            ["id"] = Guid.NewGuid().ToString(),
            ["topic"] = $"/subscriptions/local/resourceGroups/local/providers/Microsoft.Storage/storageAccounts/{container.AccountName}",
            ["subject"] = $"/blobServices/default/containers/{container.Name}/blobs/{blobName}",
            ["eventType"] = EventType,
            ["eventTime"] = now.ToString("O"),
            ["dataVersion"] = "",
            ["metadataVersion"] = "1",
            ["data"] = new JsonObject
            {
                ["api"] = "DeleteBlob",
                ["requestId"] = Guid.NewGuid().ToString(),
                ["contentType"] = "application/octet-stream",
                ["blobType"] = "BlockBlob",
                ["url"] = container.GetBlobClient(blobName).Uri.AbsoluteUri,
                ["sequencer"] = now.UtcTicks.ToString("x32", System.Globalization.CultureInfo.InvariantCulture),
            },
        };
        return evt.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
    }
}

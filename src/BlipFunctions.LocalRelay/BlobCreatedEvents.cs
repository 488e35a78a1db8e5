using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace BlipFunctions.LocalRelay;

/// <summary>
/// Microsoft.Storage.BlobCreated events in the Event Grid schema, as a storage account's system topic sends them to
/// the Functions blob extension's webhook (of which the extension reads data.url, data.eTag and data.blobType).
/// </summary>
public static class BlobCreatedEvents
{
    public const string EventType = "Microsoft.Storage.BlobCreated";

    public static string ToJson(BlobContainerClient container, BlobItem blob, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(container);
        ArgumentNullException.ThrowIfNull(blob);
        Uri url = container.GetBlobClient(blob.Name).Uri;
        var evt = new JsonObject
        {
            ["id"] = Guid.NewGuid().ToString(),
            ["topic"] = $"/subscriptions/local/resourceGroups/local/providers/Microsoft.Storage/storageAccounts/{container.AccountName}",
            ["subject"] = $"/blobServices/default/containers/{container.Name}/blobs/{blob.Name}",
            ["eventType"] = EventType,
            ["eventTime"] = now.ToString("O"),
            ["dataVersion"] = "",
            ["metadataVersion"] = "1",
            ["data"] = new JsonObject
            {
                ["api"] = "PutBlob",
                ["clientRequestId"] = Guid.NewGuid().ToString(),
                ["requestId"] = Guid.NewGuid().ToString(),
                ["eTag"] = blob.Properties.ETag?.ToString(),
                ["contentType"] = blob.Properties.ContentType,
                ["contentLength"] = blob.Properties.ContentLength,
                ["blobType"] = "BlockBlob",
                ["url"] = url.AbsoluteUri,
                ["sequencer"] = now.UtcTicks.ToString("x32", System.Globalization.CultureInfo.InvariantCulture),
                ["storageDiagnostics"] = new JsonObject { ["batchId"] = Guid.NewGuid().ToString() },
            },
        };
        return new JsonArray(evt).ToJsonString(new JsonSerializerOptions { WriteIndented = false });
    }
}

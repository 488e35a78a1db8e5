using Azure.Storage.Blobs;
using BlipFunctions.Captioning;
using BlipFunctions.Configuration;
using Microsoft.Azure.Functions.Worker;

namespace BlipFunctions.Functions;

/// <summary>Captions every blob uploaded to the images container (Event Grid-sourced trigger, as Flex requires).</summary>
public sealed class CaptionBlobFunction(BlobCaptioningService captioning)
{
    /// <summary>The container the trigger listens on (compiled into functions.metadata), whose captions the HTTP functions serve.</summary>
    public const string Container = "images";

    /// <summary>The function's name; the Event Grid subscription targets <c>Host.Functions.CaptionBlob</c>.</summary>
    public const string Name = "CaptionBlob";

    [Function(Name)]
    public async Task Run(
        [BlobTrigger(Container + "/{name}", Source = BlobTriggerSource.EventGrid, Connection = CaptionStorageSettings.ConnectionName)] BlobClient blob,
        CancellationToken cancellationToken)
    {
        await captioning.CaptionBlobAsync(blob, cancellationToken).ConfigureAwait(false);
    }
}

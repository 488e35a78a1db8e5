using Azure.Storage.Blobs;
using BlipFunctions.Functions;
using Microsoft.Azure.WebJobs;

namespace Host;

/// <summary>
/// The bridge from the host's blob extension to our function class, and all that stands in for the real host here.
/// The Functions host generates a class <c>Host.Functions</c> with one method per function, named after it, whose
/// trigger attribute it builds from functions.metadata (so the Event Grid subscription targets
/// <c>functionName=Host.Functions.CaptionBlob</c>); this class is that method, with the attribute written out
/// (<see cref="BlipFunctions.HostTests.BlobWebhook.BlobWebhookTests"/> checks it against the built metadata). Where the
/// host would then send the invocation to the worker over gRPC, and the worker would make a <see cref="BlobClient"/>
/// from the same <c>CaptionStorage</c> connection and call <see cref="CaptionBlobFunction.Run"/>, this method calls it
/// with the <see cref="BlobClient"/> the extension bound. Everything before it (webhook, queue, retries, poison queue)
/// is the real extension.
/// </summary>
public sealed class Functions(CaptionBlobFunction function)
{
    [FunctionName(CaptionBlobFunction.Name)]
    public Task CaptionBlob(
        [BlobTrigger(CaptionBlobFunction.Container + "/{name}", Source = BlobTriggerSource.EventGrid, Connection = "CaptionStorage")] BlobClient blob,
        CancellationToken cancellationToken) =>
        function.Run(blob, cancellationToken);
}

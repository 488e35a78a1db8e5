using Azure.Storage.Blobs;
using BlipFunctions.Functions;
using BlipFunctions.Testing;
using Microsoft.Azure.WebJobs;

namespace Host;

/// <summary>
/// The bridge from the host's extensions to our function classes, and all that stands in for the real host here.
/// The Functions host generates a class <c>Host.Functions</c> with one method per function, named after it, whose
/// trigger attribute it builds from functions.metadata (so the Event Grid subscription targets
/// <c>functionName=Host.Functions.CaptionBlob</c>); this class is that class for the app's blob and queue triggers,
/// with the attributes written out (<see cref="BlipFunctions.HostTests.BlobWebhook.BlobWebhookTests"/> and
/// <see cref="BlipFunctions.HostTests.QueueTriggers.QueueTriggerTests"/> check them against the built metadata). Where
/// the host would then send the invocation to the worker over gRPC, and the worker would create the function class
/// and call its <c>Run</c> with the bound value (a <see cref="BlobClient"/> from the same <c>CaptionStorage</c>
/// connection, or the queue message's text), each method creates the class from the app's services and calls it.
/// Everything before it (webhook, queues, message decoding, retries, poison queues) is the real extension.
/// </summary>
public sealed class Functions(FunctionsAppHost app)
{
    [FunctionName(CaptionBlobFunction.Name)]
    public Task CaptionBlob(
        [BlobTrigger(CaptionBlobFunction.Container + "/{name}", Source = BlobTriggerSource.EventGrid, Connection = "CaptionStorage")] BlobClient blob,
        CancellationToken cancellationToken) =>
        app.Function<CaptionBlobFunction>().Run(blob, cancellationToken);

    [FunctionName(CaptionQueuedBlobFunction.Name)]
    public Task CaptionQueuedBlob(
        [QueueTrigger(CaptionQueuedBlobFunction.QueueName, Connection = "CaptionStorage")] string message,
        CancellationToken cancellationToken) =>
        app.Function<CaptionQueuedBlobFunction>().Run(message, cancellationToken);

    [FunctionName(ContinueReconcileFunction.Name)]
    public Task ContinueReconcile(
        [QueueTrigger(ContinueReconcileFunction.QueueName, Connection = "CaptionStorage")] string message,
        CancellationToken cancellationToken) =>
        app.Function<ContinueReconcileFunction>().Run(message, cancellationToken);

    [FunctionName(BlobDeletedFunction.Name)]
    public Task BlobDeleted(
        [QueueTrigger(BlobDeletedFunction.QueueName, Connection = "CaptionStorage")] string message,
        CancellationToken cancellationToken) =>
        app.Function<BlobDeletedFunction>().Run(message, cancellationToken);
}

using Azure;
using Azure.Storage.Blobs;
using BlipCaptioning.Diagnostics;
using BlipCaptioning.Errors;
using BlipFunctions.Reconcile;
using BlipFunctions.Telemetry;

namespace BlipFunctions.Captioning;

/// <summary>The blob trigger's telemetry around <see cref="CaptionBlobUntracedAsync"/> (docs/operations.md).</summary>
public sealed partial class BlobCaptioningService
{
    /// <summary>Makes the blob's caption row reflect the blob as it is now; see the class remarks for the outcomes and retries.</summary>
    /// <exception cref="Exception">A transient fault: the row notes it, and the host retries the invocation.</exception>
    public Task<CaptionOutcome> CaptionBlobAsync(BlobClient blob, CancellationToken cancellationToken) =>
        CaptionBlobAsync(blob, RecaptionPolicy.NewVersionsOnly, cancellationToken);

    /// <summary>
    /// As <see cref="CaptionBlobAsync(BlobClient, CancellationToken)"/>, but a version whose row is already finished is
    /// captioned again when <paramref name="policy"/> (a reconcile's) asks for it.
    /// </summary>
    public async Task<CaptionOutcome> CaptionBlobAsync(BlobClient blob, RecaptionPolicy policy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        ArgumentNullException.ThrowIfNull(policy);
        using var telemetry = UploadTelemetry.Start(AppTelemetry.BlobSpan, "blob", $"{blob.BlobContainerName}/{blob.Name}", _logger);
        try
        {
            CaptionOutcome outcome = await CaptionBlobUntracedAsync(blob, policy, cancellationToken).ConfigureAwait(false);
            switch (outcome)
            {
                case CaptionOutcome.Captioned:
                    telemetry.Finish(UploadTelemetry.Outcomes.Succeeded);
                    break;
                case CaptionOutcome.Failed:
                    telemetry.Finish(UploadTelemetry.Outcomes.Failed);
                    break;
                case CaptionOutcome.AlreadyDone:
                    telemetry.Finish(UploadTelemetry.Outcomes.Skipped, FailureCategories.AlreadyDone);
                    break;
                case CaptionOutcome.Superseded:
                    telemetry.Finish(UploadTelemetry.Outcomes.Skipped, FailureCategories.Superseded);
                    break;
                default:
                    telemetry.Finish(UploadTelemetry.Outcomes.Skipped, FailureCategories.BlobGone);
                    break;
            }

            return outcome;
        }
        catch (Exception e)
        {
            telemetry.Finish(UploadTelemetry.Outcomes.Retried, RetryCategory(e), e);
            throw;
        }
    }

    /// <summary>Why the host retries: a storage fault (with its status), row contention, or the captioner's category.</summary>
    private static string RetryCategory(Exception e) => e switch
    {
        RequestFailedException failed => failed.Status == 0 ? "storage_unreachable" : $"storage_{failed.Status}",
        // The Azure SDK's "retry failed after N tries", each a refused or broken connection.
        AggregateException { InnerExceptions: [RequestFailedException, ..] } all when all.InnerExceptions.All(inner => inner is RequestFailedException)
            => RetryCategory(all.InnerExceptions[^1]),
        CaptionRowContentionException => "row_contention",
        CaptioningException or OperationCanceledException => CaptioningErrorTypes.Of(e),
        _ => e.GetType().Name,
    };
}

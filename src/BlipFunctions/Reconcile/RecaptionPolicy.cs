using BlipFunctions.Gallery;
using BlipFunctions.Storage;

namespace BlipFunctions.Reconcile;

/// <summary>
/// Which finished rows a captioning invocation does again. The blob trigger never does (a new version of a blob is
/// the only reason to caption it); a reconcile does those made by another model or other decoding settings, failed
/// ones when asked, and every one with <see cref="Force"/>. A row made by another model is done again whenever it was
/// made (an instance still running the old model may write one after the run started), which is idempotent by itself:
/// the new row records this model. For <c>failed</c> and <see cref="Force"/>, a row this run claimed
/// (<see cref="CaptionEntity.ReconcileRun"/>) or finished at or after <see cref="RequestedAt"/> counts as done for this
/// request, so a queued message that is delivered twice never captions a blob twice, whatever the instances' clocks say.
/// </summary>
/// <param name="RunId">The reconcile run that asks; null for the blob trigger.</param>
/// <param name="RequestedAt">When the reconcile started; null for the blob trigger.</param>
/// <param name="IncludeFailed">Caption again the blobs whose rows are <c>failed</c>.</param>
/// <param name="Force">Caption again every finished row, whatever made it.</param>
public sealed record RecaptionPolicy(string? RunId, DateTimeOffset? RequestedAt, bool IncludeFailed, bool Force)
{
    /// <summary>The blob trigger's: a finished row is never done again for the same blob version.</summary>
    public static RecaptionPolicy NewVersionsOnly { get; } = new(null, null, false, false);

    /// <summary>False when <paramref name="finished"/> is surely not wanted again, whatever the model; true when the model decides.</summary>
    public bool MayWantAgain(CaptionEntity finished)
    {
        ArgumentNullException.ThrowIfNull(finished);
        if (RequestedAt is null)
        {
            return false;
        }

        return finished.Status == CaptionStatus.Succeeded || (FinishedBefore(finished) && (Force || IncludeFailed));
    }

    /// <summary>Whether the finished row <paramref name="finished"/> (of the blob's current version) is to be captioned again.</summary>
    public bool WantsAgain(CaptionEntity finished, CaptioningTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (!MayWantAgain(finished))
        {
            return false;
        }

        if (finished.Status == CaptionStatus.Succeeded && !target.Made(finished))
        {
            return true;
        }

        return FinishedBefore(finished) && (Force || finished.Status == CaptionStatus.Failed);
    }

    /// <summary>
    /// Whether a reconcile queues a blob whose current version has ETag <paramref name="blobETag"/>: it has no row, or its
    /// row describes another version, or it is stuck <c>processing</c> past its lease, or its keywords were never
    /// indexed, or this policy wants it again. A row being captioned now (lease held) is left to its invocation.
    /// </summary>
    public bool NeedsCaptioning(CaptionEntity? row, string blobETag, CaptioningTarget target, DateTimeOffset now)
    {
        // A listing gives a blob's ETag bare (0x8D...), a HEAD quoted ("0x8D..."), which is how rows keep it.
        if (row is null || ImageVersions.Unquoted(row.BlobETag) != ImageVersions.Unquoted(blobETag))
        {
            return true;
        }

        return row.Status switch
        {
            CaptionStatus.Processing => row.LeaseExpiresAt is not { } lease || lease <= now,
            CaptionStatus.Succeeded when !row.KeywordsIndexed => true,
            _ => WantsAgain(row, target),
        };
    }

    // Not made for this run: neither claimed by one of its requests (a duplicate delivery) nor finished since it started
    // (the run id makes the first test exact whatever the clocks of the instances; the second spares a blob uploaded
    // again since the run started).
    private bool FinishedBefore(CaptionEntity finished) => finished.ReconcileRun != RunId && finished.UpdatedAt < RequestedAt;
}

using System.Globalization;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using BlipCaptioning;
using BlipCaptioning.Errors;
using BlipFunctions.Configuration;
using BlipFunctions.Reconcile;
using BlipFunctions.Storage;
using BlipFunctions.Telemetry;
using BlipCaptioning.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BlipFunctions.Captioning;

/// <summary>
/// Makes a blob's caption row reflect the blob as it is now: reads its properties, claims the row for that version
/// (ETag), checks the limits, captions it, tags it, and writes the result, all with conditional writes so that
/// duplicate, replayed or out-of-order events never add rows or put an older result over a newer one.
/// </summary>
/// <remarks>
/// Every claimed blob ends with a <c>succeeded</c> or <c>failed</c> row (docs/functions.md "Failures and retries"):
/// <list type="bullet">
/// <item>an image we cannot caption (<see cref="UnsupportedImageException"/>) and any unexpected exception (a bug,
/// an ONNX Runtime error, running out of memory) become a <c>failed</c> row at once and return normally: the same
/// bytes would fail the same way, so retrying would only repeat the work;</item>
/// <item>transient faults (storage and network errors, cancellation by the host, the model not loadable yet) are
/// rethrown after the row notes them, so the host retries the invocation, except on the attempt that reaches
/// <see cref="CaptionPipelineOptions.MaxAttempts"/> (the host's last): that one writes a <c>failed</c> row with the
/// last error instead of leaving the row <c>processing</c> while the blob goes to the poison queue.</item>
/// </list>
/// Only a storage fault while the row itself is read or written can leave it unfinished.
/// </remarks>
public sealed partial class BlobCaptioningService
{
    private const int MaxRounds = 5;
    private static readonly TimeSpan LeasePollInterval = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan NoteTimeout = TimeSpan.FromSeconds(10);

    private readonly CaptionStore _store;
    private readonly DeletedBlobRows _deletedRows;
    private readonly IImageCaptioner _captioner;
    private readonly CaptionPipelineOptions _options;
    private readonly long _maxImageBytes;
    private readonly TimeProvider _time;
    private readonly ILogger<BlobCaptioningService> _logger;

    public BlobCaptioningService(
        CaptionStore store,
        IImageCaptioner captioner,
        IOptions<CaptionPipelineOptions> options,
        IOptions<CaptioningOptions> captioning,
        TimeProvider time,
        ILogger<BlobCaptioningService> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(captioning);
        _store = store;
        _deletedRows = new DeletedBlobRows(store);
        _captioner = captioner;
        _options = options.Value;
        _maxImageBytes = captioning.Value.MaxImageBytes;
        _time = time;
        _logger = logger;
    }

    private async Task<CaptionOutcome> CaptionBlobUntracedAsync(BlobClient blob, RecaptionPolicy policy, CancellationToken cancellationToken)
    {
        DateTimeOffset waitUntil = _time.GetUtcNow() + _options.LeaseWait;
        var invocation = new Invocation(policy);
        int changes = 0;
        while (true)
        {
            Round round = await TryRoundAsync(blob, invocation, cancellationToken).ConfigureAwait(false);
            if (round.Outcome is { } done)
            {
                if (invocation.TaggedAVersionThatLost && done is CaptionOutcome.AlreadyDone or CaptionOutcome.Superseded)
                {
                    await RestoreTagsAsync(blob, cancellationToken).ConfigureAwait(false);
                }

                return done;
            }

            if (!round.HeldElsewhere && ++changes >= MaxRounds)
            {
                throw new CaptionRowContentionException(
                    $"The blob {blob.Name} or its caption row changed {MaxRounds} times while it was being captioned; the host will retry.");
            }

            if (round.HeldElsewhere)
            {
                // A duplicate event while another invocation captions this version: wait for its result rather than
                // return, so that nothing is lost if that invocation dies (its lease then expires and we take over).
                if (_time.GetUtcNow() >= waitUntil)
                {
                    throw new CaptionRowContentionException(
                        $"Another invocation has been captioning {blob.Name} for longer than {_options.LeaseWait}; the host will retry.");
                }

                await Task.Delay(LeasePollInterval, _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    // One decision round: an outcome, or "decide again" (the blob or the row changed), or "held by another invocation".
    private async Task<Round> TryRoundAsync(BlobClient blob, Invocation invocation, CancellationToken cancellationToken)
    {
        BlobProperties properties;
        try
        {
            properties = (await blob.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // Deleted: its row goes too (the BlobDeleted event does the same; whichever comes first wins).
            await _deletedRows.RemoveIfGoneAsync(blob, cancellationToken).ConfigureAwait(false);
            return Round.Done(CaptionOutcome.BlobGone);
        }

        string blobETag = properties.ETag.ToString();
        CaptionEntity? row = await _store.GetAsync(blob.BlobContainerName, blob.Name, cancellationToken).ConfigureAwait(false);
        DateTimeOffset now = _time.GetUtcNow();
        if (row is not null && row.BlobETag == blobETag)
        {
            if (row.Status is CaptionStatus.Succeeded or CaptionStatus.Failed)
            {
                if (!await WantsAgainAsync(row, invocation, cancellationToken).ConfigureAwait(false))
                {
                    await IndexIfNeededAsync(row, invocation, cancellationToken).ConfigureAwait(false);
                    return Round.Done(CaptionOutcome.AlreadyDone);
                }
            }
            else if (row.LeaseExpiresAt > now)
            {
                return Round.Held;
            }
        }
        else if (row is not null && row.BlobLastModified > properties.LastModified)
        {
            await IndexIfNeededAsync(row, invocation, cancellationToken).ConfigureAwait(false);
            return Round.Done(CaptionOutcome.Superseded);
        }

        if (row is { Status: CaptionStatus.Succeeded })
        {
            // Its keyword entries go before the row stops describing them, so a search never finds a stale caption.
            await _store.Keywords.RemoveAsync(row, cancellationToken).ConfigureAwait(false);
            invocation.RemovedKeywordEntries = true;
        }

        CaptionEntity claim = ProcessingRow(blob, properties, row, invocation.Policy, now);
        ETag? claimed = row is null
            ? await _store.TryAddAsync(claim, cancellationToken).ConfigureAwait(false)
            : await _store.TryReplaceAsync(claim, row.ETag, cancellationToken).ConfigureAwait(false);
        if (claimed is null)
        {
            return Round.Changed;
        }

        claim.ETag = claimed.Value;
        return await CaptionClaimedAsync(blob, properties, claim, invocation, cancellationToken).ConfigureAwait(false) is { } outcome
            ? Round.Done(outcome)
            : Round.Changed;
    }

    private async Task<CaptionOutcome?> CaptionClaimedAsync(BlobClient blob, BlobProperties properties, CaptionEntity claim, Invocation invocation, CancellationToken cancellationToken)
    {
        if (properties.ContentLength == 0)
        {
            return await FailAsync(claim, FailureCategories.EmptyBlob, "The blob is empty (0 bytes): upload an image file (JPEG, PNG, GIF, BMP or WebP).", cancellationToken).ConfigureAwait(false);
        }

        if (properties.ContentLength > _maxImageBytes)
        {
            return await FailAsync(claim, FailureCategories.TooLarge,
                $"The blob is {Bytes(properties.ContentLength)}, over the limit of {Bytes(_maxImageBytes)} (Captioning__MaxImageBytes): upload a smaller image.",
                cancellationToken).ConfigureAwait(false);
        }

        CaptionEntity done;
        try
        {
            using MemoryStream image = await DownloadAsync(blob, properties, cancellationToken).ConfigureAwait(false);
            Caption caption = await _captioner.CaptionAsync(image, settings: null, cancellationToken).ConfigureAwait(false);
            UploadTelemetry.Current?.Captioned(caption, caption.Model);
            string? tagError = await TagAsync(blob, caption.Text, cancellationToken).ConfigureAwait(false);
            claim.RecordSuccess(caption, tagError, _time.GetUtcNow());
            done = claim;
            if (await _store.TryReplaceAsync(done, claim.ETag, cancellationToken).ConfigureAwait(false) is not { } written)
            {
                // A newer version claimed the row while this one was captioned, and may have tagged the blob already.
                invocation.TaggedAVersionThatLost = tagError is null;
                return null;
            }

            done.ETag = written;
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            return null; // The blob was overwritten since its properties were read: caption the new version.
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null; // Deleted while being captioned: the next round finds it gone and removes this claim's row.
        }
        catch (UnsupportedImageException e)
        {
            return await FailAsync(claim, CaptioningErrorTypes.UnsupportedImage, e.Message, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsTransient(e) && claim.Attempts >= _options.MaxAttempts)
        {
            LogGaveUp(e, claim.BlobName, claim.Attempts);
            return await FailAfterErrorAsync(claim, FailureCategories.RetriesExhausted,
                $"Captioning failed on each of {claim.Attempts} attempts, the last time with {Describe(e)} The host does not retry after " +
                $"{_options.MaxAttempts} attempts (Captioning__MaxAttempts, host.json poisonBlobThreshold): upload the blob again to retry.").ConfigureAwait(false);
        }
        catch (Exception e) when (IsTransient(e))
        {
            await NoteRetryAsync(claim, e).ConfigureAwait(false);
            throw;
        }
        catch (Exception e)
        {
            LogUnexpected(e, claim.BlobName);
            return await FailAfterErrorAsync(claim, FailureCategories.Unexpected,
                $"Captioning failed with an unexpected error: {Describe(e)} It is logged for the operator; retrying the same image would fail the same way.").ConfigureAwait(false);
        }

        // Outside the try: the row is succeeded now, and a storage fault here must not turn it into a failed one. The
        // host retries the invocation, which finds the row succeeded but not indexed and indexes it.
        await _store.IndexKeywordsAsync(done, cancellationToken).ConfigureAwait(false);
        return CaptionOutcome.Captioned;
    }

    // A row left unindexed by a crash is indexed now. So is any succeeded row once this invocation has removed keyword
    // entries in an earlier round and then lost the claim: another invocation may have captioned the blob meanwhile and
    // indexed it, and the entries removed here (read from an older row) can be the ones it had just written.
    private async Task IndexIfNeededAsync(CaptionEntity row, Invocation invocation, CancellationToken cancellationToken)
    {
        if (row is { Status: CaptionStatus.Succeeded } && (!row.KeywordsIndexed || invocation.RemovedKeywordEntries))
        {
            await _store.IndexKeywordsAsync(row, cancellationToken).ConfigureAwait(false);
        }
    }

    // Only a reconcile asks for a finished version again (another model or decoding settings, a failure to retry, or
    // force); the model is described (loaded if need be) only when the answer depends on it.
    private async Task<bool> WantsAgainAsync(CaptionEntity row, Invocation invocation, CancellationToken cancellationToken)
    {
        if (!invocation.Policy.MayWantAgain(row))
        {
            return false;
        }

        invocation.Target ??= await CaptioningTarget.OfAsync(_captioner, cancellationToken).ConfigureAwait(false);
        return invocation.Policy.WantsAgain(row, invocation.Target);
    }

    /// <summary>
    /// Faults that another attempt may not meet: storage and network errors, timeouts, cancellation (the host
    /// stopping or timing out the invocation), row contention, and a model that could not be loaded (it may still be
    /// copying, or be fixed by a redeployment). Everything else a caption raises is deterministic for the same bytes.
    /// The Azure SDK ends its own retries against an unreachable endpoint with an
    /// <see cref="AggregateException"/> of the attempts' faults: transient when every one of them is.
    /// </summary>
    private static bool IsTransient(Exception e) => e switch
    {
        AggregateException aggregate => aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(IsTransient),
        RequestFailedException or IOException or HttpRequestException or TimeoutException or OperationCanceledException
            or CaptionRowContentionException => true,
        CaptioningException => e is not UnsupportedImageException,
        _ => false,
    };

    private static string Describe(Exception e)
    {
        string message = e.Message.Length <= 500 ? e.Message : string.Concat(e.Message.AsSpan(0, 500), "...");
        return $"{e.GetType().Name}: {message.TrimEnd('.')}.";
    }

    private static async Task<MemoryStream> DownloadAsync(BlobClient blob, BlobProperties properties, CancellationToken cancellationToken)
    {
        var options = new BlobDownloadOptions { Conditions = new BlobRequestConditions { IfMatch = properties.ETag } };
        using var span = AppTelemetry.Source.StartActivity(AppTelemetry.DownloadSpan);
        using BlobDownloadStreamingResult download = (await blob.DownloadStreamingAsync(options, cancellationToken).ConfigureAwait(false)).Value;
        var buffer = new MemoryStream(checked((int)properties.ContentLength));
        await download.Content.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        buffer.Position = 0;
        return buffer;
    }

    // Tags do not change the blob's ETag and raise no BlobCreated event, so tagging never re-triggers captioning.
    private async Task<string?> TagAsync(BlobClient blob, string caption, CancellationToken cancellationToken)
    {
        using var span = AppTelemetry.Source.StartActivity(AppTelemetry.TagsSpan);
        try
        {
            GetBlobTagResult existing = (await blob.GetTagsAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
            if (CaptionTags.TryMerge(existing.Tags, caption, out Dictionary<string, string> tags))
            {
                await blob.SetTagsAsync(tags, cancellationToken: cancellationToken).ConfigureAwait(false);
                return null;
            }

            // No room for ours: the user's tags win. Ours from an earlier caption would now be stale, so they go.
            if (CaptionTags.HasOurs(existing.Tags))
            {
                await blob.SetTagsAsync(tags, cancellationToken: cancellationToken).ConfigureAwait(false);
            }

            LogNoRoomForTags(blob.Name, tags.Count);
            return CaptionTags.NoRoomError(tags.Count);
        }
        catch (RequestFailedException e) when (e.Status is 400 or 403 or 409)
        {
            LogTagFailed(blob.Name, e.Status, e.ErrorCode);
            return $"The blob index tags could not be set ({e.Status} {e.ErrorCode}); the caption is stored here. " +
                   "Tags need the Storage Blob Data Owner role and are not offered on some account kinds (hierarchical namespace).";
        }
    }

    // Puts the tags of the row (the current version's caption) back after this invocation tagged with an older one.
    private async Task RestoreTagsAsync(BlobClient blob, CancellationToken cancellationToken)
    {
        CaptionEntity? row = await _store.GetAsync(blob.BlobContainerName, blob.Name, cancellationToken).ConfigureAwait(false);
        if (row is { Status: CaptionStatus.Succeeded, TagsApplied: true, Caption: { } caption })
        {
            await TagAsync(blob, caption, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<CaptionOutcome?> FailAsync(CaptionEntity claim, string category, string reason, CancellationToken cancellationToken)
    {
        claim.Status = CaptionStatus.Failed;
        claim.FailureReason = reason;
        claim.LastError = null;
        claim.LeaseExpiresAt = null;
        claim.UpdatedAt = _time.GetUtcNow();
        UploadTelemetry.Current?.Failing(category, reason);
        return await _store.TryReplaceAsync(claim, claim.ETag, cancellationToken).ConfigureAwait(false) is null
            ? null
            : CaptionOutcome.Failed;
    }

    // Written even when the invocation was cancelled (the host's last attempt may end that way); if storage fails
    // here too, the error goes to the host and the blob to the poison queue.
    private async Task<CaptionOutcome?> FailAfterErrorAsync(CaptionEntity claim, string category, string reason)
    {
        using var timeout = new CancellationTokenSource(NoteTimeout);
        return await FailAsync(claim, category, reason, timeout.Token).ConfigureAwait(false);
    }

    // Best effort, even when the invocation was cancelled: release the lease so the host's retry can take the row
    // at once, and say why it waits.
    private async Task NoteRetryAsync(CaptionEntity claim, Exception error)
    {
        claim.LastError = $"{error.GetType().Name}: {error.Message}";
        claim.LeaseExpiresAt = null;
        claim.UpdatedAt = _time.GetUtcNow();
        using var timeout = new CancellationTokenSource(NoteTimeout);
        try
        {
            await _store.TryReplaceAsync(claim, claim.ETag, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception noteError) when (noteError is RequestFailedException or OperationCanceledException)
        {
            LogNoteFailed(noteError, claim.BlobName);
        }
    }

    private CaptionEntity ProcessingRow(BlobClient blob, BlobProperties properties, CaptionEntity? previous, RecaptionPolicy policy, DateTimeOffset now)
    {
        string blobETag = properties.ETag.ToString();
        return new CaptionEntity
        {
            PartitionKey = CaptionKeys.PartitionKeyFor(blob.BlobContainerName),
            RowKey = CaptionKeys.RowKeyFor(blob.Name),
            Container = blob.BlobContainerName,
            BlobName = blob.Name,
            Status = CaptionStatus.Processing,
            BlobETag = blobETag,
            BlobLastModified = properties.LastModified,
            BlobBytes = properties.ContentLength,
            ContentType = properties.ContentType,
            LeaseExpiresAt = now + _options.LeaseDuration,
            ReconcileRun = policy.RunId,
            // A version finished before and asked for again by a reconcile starts counting afresh.
            Attempts = previous is { Status: CaptionStatus.Processing } && previous.BlobETag == blobETag ? previous.Attempts + 1 : 1,
            CreatedAt = previous?.CreatedAt ?? now,
            UpdatedAt = now,
        };
    }

    private static string Bytes(long bytes) => bytes >= 1024 * 1024
        ? string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024.0):0.#} MiB ({bytes} bytes)")
        : string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes");

    [LoggerMessage(Level = LogLevel.Warning, Message = "Blob {BlobName} was captioned but not tagged ({Status} {ErrorCode})")]
    private partial void LogTagFailed(string blobName, int status, string? errorCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Blob {BlobName} was captioned but not tagged: its own {OwnTags} tags leave no room")]
    private partial void LogNoRoomForTags(string blobName, int ownTags);

    [LoggerMessage(Level = LogLevel.Error, Message = "Blob {BlobName} failed on its last attempt ({Attempts}); its row is marked failed")]
    private partial void LogGaveUp(Exception error, string blobName, int attempts);

    [LoggerMessage(Level = LogLevel.Error, Message = "Captioning blob {BlobName} failed with an unexpected error; its row is marked failed")]
    private partial void LogUnexpected(Exception error, string blobName);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not note the retry on the row of {BlobName}")]
    private partial void LogNoteFailed(Exception error, string blobName);

    private sealed class Invocation(RecaptionPolicy policy)
    {
        public RecaptionPolicy Policy { get; } = policy;

        public CaptioningTarget? Target { get; set; }

        public bool TaggedAVersionThatLost { get; set; }

        public bool RemovedKeywordEntries { get; set; }
    }

    private readonly record struct Round(CaptionOutcome? Outcome, bool HeldElsewhere)
    {
        public static Round Changed => default;

        public static Round Held => new(null, true);

        public static Round Done(CaptionOutcome outcome) => new(outcome, false);
    }
}

using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using BlipCaptioning;
using BlipFunctions.Captioning;
using BlipFunctions.Configuration;
using BlipFunctions.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BlipFunctions.Reconcile;

/// <summary>
/// Advances reconcile runs: lists the images container one page at a time and queues a caption request for every blob
/// that needs one (<see cref="RecaptionPolicy.NeedsCaptioning"/>), then lists the caption rows and removes those whose
/// blobs are gone. After each page the run's marker and counts are saved, so a run interrupted anywhere resumes at the
/// page it was on; nothing ever holds more than one page.
/// </summary>
/// <remarks>
/// One invocation at a time advances a run: it holds the run's lease (renewed with every page) and works until its
/// time budget is spent, then releases the lease and queues the run's id on <c>reconcile-runs</c>, whose
/// <see cref="Functions.ContinueReconcileFunction"/> goes on. A duplicate or late continuation finds the lease held
/// or the run done and ends. If an invocation dies, its queue message comes back once its lease has expired and the
/// run goes on from its marker. A page done twice queues some blobs twice, which costs a read: the captioning of a
/// blob is idempotent (docs/functions.md "Reconcile").
/// </remarks>
public sealed partial class ReconcileRunner(
    CaptionStore store,
    ReconcileRuns runs,
    ReconcileQueues queues,
    CaptionStorageClients clients,
    IImageCaptioner captioner,
    IOptions<ReconcileOptions> options,
    TimeProvider time,
    ILogger<ReconcileRunner> logger)
{
    /// <summary>How long an invocation holds a run without saving a page before another may take it over.</summary>
    public static readonly TimeSpan LeaseDuration = TimeSpan.FromMinutes(5);

    // How long the continuation may take to queue once the invocation itself is cancelled.
    private static readonly TimeSpan HandOverTimeout = TimeSpan.FromSeconds(10);

    private readonly ReconcileOptions _options = options.Value;

    /// <summary>
    /// Records a new run of <paramref name="request"/> over <paramref name="container"/>, advances it for at most
    /// <paramref name="budget"/>, and queues its continuation if it is not done. A fault while advancing is recorded
    /// on the run and left to the continuation.
    /// </summary>
    public async Task<ReconcileRunEntity> StartAsync(string container, ReconcileRequest request, string trigger, TimeSpan budget, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        DateTimeOffset now = time.GetUtcNow();
        var run = new ReconcileRunEntity
        {
            RowKey = ReconcileRunIds.New(now),
            Container = container,
            Prefix = request.Prefix,
            IncludeFailed = request.IncludeFailed,
            Force = request.Force,
            Trigger = trigger,
            RequestedAt = now,
            LeaseExpiresAt = now + LeaseDuration,
            UpdatedAt = now,
        };
        await runs.AddAsync(run, cancellationToken).ConfigureAwait(false);
        LogStarted(run.RowKey, container, request.Prefix, request.IncludeFailed, request.Force, trigger);
        bool held = true;
        try
        {
            held = await AdvanceHeldAsync(run, budget, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // The request still answers with the run; the continuation retries the page (up to the queue's dequeue count).
            // That includes this invocation being cancelled (the host shutting down, the request aborted): no message
            // would bring the run back then, so it would sit until someone resumed it by hand.
            LogInterrupted(e, run.RowKey);
        }

        if (held && run.Phase != ReconcilePhases.Done)
        {
            using var timeout = new CancellationTokenSource(HandOverTimeout);
            await queues.SendContinuationAsync(run.RowKey, timeout.Token).ConfigureAwait(false);
        }

        return run;
    }

    /// <summary>
    /// Goes on with the run <paramref name="runId"/> for at most <paramref name="budget"/> unless it is done or another
    /// invocation holds it; queues its continuation if it is not done. Null when there is no such run.
    /// </summary>
    /// <exception cref="Exception">A storage fault: the run keeps its marker and the queue retries the message.</exception>
    public async Task<ReconcileRunEntity?> ContinueAsync(string runId, TimeSpan budget, CancellationToken cancellationToken)
    {
        ReconcileRunEntity? run = await runs.GetAsync(runId, cancellationToken).ConfigureAwait(false);
        if (run is null || run.Phase == ReconcilePhases.Done)
        {
            return run;
        }

        DateTimeOffset now = time.GetUtcNow();
        if (run.LeaseExpiresAt > now)
        {
            LogHeldElsewhere(runId);
            return run;
        }

        run.LeaseExpiresAt = now + LeaseDuration;
        run.UpdatedAt = now;
        if (!await runs.TryReplaceAsync(run, cancellationToken).ConfigureAwait(false))
        {
            LogHeldElsewhere(runId);
            return await runs.GetAsync(runId, cancellationToken).ConfigureAwait(false);
        }

        bool held = await AdvanceHeldAsync(run, budget, cancellationToken).ConfigureAwait(false);
        if (held && run.Phase != ReconcilePhases.Done)
        {
            await queues.SendContinuationAsync(run.RowKey, cancellationToken).ConfigureAwait(false);
        }

        return run;
    }

    // Works page by page while the budget lasts, saving the run after each; then releases the lease. False when the
    // run was taken over (this invocation's lease had expired), which leaves the run to the one that took it.
    private async Task<bool> AdvanceHeldAsync(ReconcileRunEntity run, TimeSpan budget, CancellationToken cancellationToken)
    {
        DateTimeOffset stopAt = time.GetUtcNow() + budget;
        CaptioningTarget? target = null;
        try
        {
            do
            {
                if (run.Phase == ReconcilePhases.Blobs)
                {
                    target ??= await CaptioningTarget.OfAsync(captioner, cancellationToken).ConfigureAwait(false);
                    await QueueBlobPageAsync(run, target, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await SweepRowPageAsync(run, cancellationToken).ConfigureAwait(false);
                }

                DateTimeOffset now = time.GetUtcNow();
                run.Pages++;
                run.UpdatedAt = now;
                run.LastError = null;
                run.LeaseExpiresAt = now + LeaseDuration;
                if (run.Phase == ReconcilePhases.Done)
                {
                    run.CompletedAt = now;
                    run.LeaseExpiresAt = null;
                }

                if (!await runs.TryReplaceAsync(run, cancellationToken).ConfigureAwait(false))
                {
                    LogTakenOver(run.RowKey);
                    return false;
                }
            }
            while (run.Phase != ReconcilePhases.Done && time.GetUtcNow() < stopAt);

            if (run.Phase == ReconcilePhases.Done)
            {
                LogCompleted(run.RowKey, run.Listed, run.Queued, run.RowsRemoved);
                return true;
            }
        }
        catch (Exception e)
        {
            run.LastError = $"{e.GetType().Name}: {e.Message}";
            await ReleaseAsync(run).ConfigureAwait(false);
            throw;
        }

        return await ReleaseAsync(run).ConfigureAwait(false);
    }

    private async Task QueueBlobPageAsync(ReconcileRunEntity run, CaptioningTarget target, CancellationToken cancellationToken)
    {
        BlobContainerClient container = clients.Blobs.GetBlobContainerClient(run.Container);
        Page<BlobItem>? page = null;
        try
        {
            await foreach (Page<BlobItem> first in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, run.Prefix, cancellationToken)
                .AsPages(run.Marker, _options.PageSize).ConfigureAwait(false))
            {
                page = first;
                break;
            }
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            page = null; // no container yet: nothing to caption
        }

        if (page is not null)
        {
            RecaptionPolicy policy = run.ToPolicy();
            DateTimeOffset now = time.GetUtcNow();
            long queued = 0, upToDate = 0, unsupported = 0;
            await Parallel.ForEachAsync(page.Values, Bounded(cancellationToken), async (item, token) =>
            {
                if (BlobNames.Validate(item.Name) is not null)
                {
                    Interlocked.Increment(ref unsupported);
                    return;
                }

                CaptionEntity? row = await store.GetAsync(run.Container, item.Name, token).ConfigureAwait(false);
                if (!policy.NeedsCaptioning(row, item.Properties.ETag?.ToString() ?? string.Empty, target, now))
                {
                    Interlocked.Increment(ref upToDate);
                    return;
                }

                await queues.SendCaptionRequestAsync(new CaptionRequestMessage(item.Name, policy), token).ConfigureAwait(false);
                Interlocked.Increment(ref queued);
            }).ConfigureAwait(false);
            run.Listed += page.Values.Count;
            run.Queued += queued;
            run.UpToDate += upToDate;
            run.Unsupported += unsupported;
        }

        run.Marker = page?.ContinuationToken is { Length: > 0 } next ? next : null;
        if (run.Marker is null)
        {
            run.Phase = ReconcilePhases.Rows;
        }
    }

    private async Task SweepRowPageAsync(ReconcileRunEntity run, CancellationToken cancellationToken)
    {
        CaptionPage page = await store.ListAsync(run.Container, run.Prefix, _options.PageSize, run.Marker, cancellationToken).ConfigureAwait(false);
        BlobContainerClient container = clients.Blobs.GetBlobContainerClient(run.Container);
        var deleted = new DeletedBlobRows(store);
        long removed = 0;
        await Parallel.ForEachAsync(page.Rows, Bounded(cancellationToken), async (row, token) =>
        {
            BlobClient blob = container.GetBlobClient(row.BlobName);
            if (!await blob.ExistsAsync(token).ConfigureAwait(false) && await deleted.RemoveIfGoneAsync(blob, token).ConfigureAwait(false))
            {
                Interlocked.Increment(ref removed);
            }
        }).ConfigureAwait(false);
        run.RowsChecked += page.Rows.Count;
        run.RowsRemoved += removed;
        run.Marker = page.ContinuationToken;
        if (run.Marker is null)
        {
            run.Phase = ReconcilePhases.Done;
        }
    }

    private ParallelOptions Bounded(CancellationToken cancellationToken) =>
        new() { MaxDegreeOfParallelism = _options.Parallelism, CancellationToken = cancellationToken };

    // Best effort, even when the invocation was cancelled: a released run can be taken over at once by the retry.
    private async Task<bool> ReleaseAsync(ReconcileRunEntity run)
    {
        run.LeaseExpiresAt = null;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            return await runs.TryReplaceAsync(run, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RequestFailedException or OperationCanceledException)
        {
            LogReleaseFailed(e, run.RowKey);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Reconcile {RunId} started on {Container} (prefix '{Prefix}', failed {IncludeFailed}, force {Force}) by {Trigger}")]
    private partial void LogStarted(string runId, string container, string prefix, bool includeFailed, bool force, string trigger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reconcile {RunId} completed: {Listed} blobs listed, {Queued} queued, {RowsRemoved} rows of deleted blobs removed")]
    private partial void LogCompleted(string runId, long listed, long queued, long rowsRemoved);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reconcile {RunId} is being advanced by another invocation")]
    private partial void LogHeldElsewhere(string runId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reconcile {RunId} was taken over by another invocation (this one's lease expired)")]
    private partial void LogTakenOver(string runId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reconcile {RunId} was interrupted; its continuation resumes it from its marker")]
    private partial void LogInterrupted(Exception error, string runId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not release reconcile {RunId}; it can be taken over when its lease expires")]
    private partial void LogReleaseFailed(Exception error, string runId);
}

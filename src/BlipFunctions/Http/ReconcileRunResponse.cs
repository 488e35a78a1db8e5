using BlipFunctions.Reconcile;

namespace BlipFunctions.Http;

/// <summary>What <c>/api/reconcile</c> answers about a run: what was asked, where it stands, and how to follow it.</summary>
/// <param name="Status"><c>running</c>, <c>waiting</c> (for its next invocation), <c>stalled</c> or <c>completed</c>.</param>
/// <param name="Phase"><c>blobs</c> (listing and queueing), <c>rows</c> (removing rows of deleted blobs) or <c>done</c>.</param>
/// <param name="CaptionRequestsWaiting">Caption requests of every run still in the queue (approximate); null when not asked.</param>
/// <param name="CaptionRequestsPoisoned">Caption requests that failed five times (the poison queue); null when not asked.</param>
/// <param name="Next">What to do next, for a person.</param>
public sealed record ReconcileRunResponse(
    string Id,
    string Status,
    string Phase,
    string Prefix,
    bool IncludeFailed,
    bool Force,
    string Trigger,
    DateTimeOffset RequestedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? CompletedAt,
    int Pages,
    long Listed,
    long Queued,
    long UpToDate,
    long Unsupported,
    long RowsChecked,
    long RowsRemoved,
    string? LastError,
    int? CaptionRequestsWaiting,
    int? CaptionRequestsPoisoned,
    string Next)
{
    /// <summary>A run that has neither saved a page nor been held for this long while not done is stalled.</summary>
    public static readonly TimeSpan StallAfter = TimeSpan.FromMinutes(10);

    public static ReconcileRunResponse From(ReconcileRunEntity run, DateTimeOffset now, (int Waiting, int Poisoned)? queue = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        string status = run.Phase == ReconcilePhases.Done ? "completed"
            : run.LeaseExpiresAt > now ? "running"
            : now - run.UpdatedAt < StallAfter ? "waiting"
            : "stalled";
        string self = $"/api/reconcile/{run.RowKey}";
        string next = status switch
        {
            "completed" => $"Listing is done; {run.Queued} blobs were queued. The CaptionQueuedBlob function captions them: GET {self} shows how many caption requests still wait, and GET /api/captions shows the rows.",
            "stalled" => $"The run has not moved for {StallAfter.TotalMinutes:0} minutes: POST {self} resumes it from where it stopped.",
            _ => $"Listing goes on in the background: GET {self} to follow it.",
        };
        return new ReconcileRunResponse(run.RowKey, status, run.Phase, run.Prefix, run.IncludeFailed, run.Force, run.Trigger, run.RequestedAt,
            run.UpdatedAt, run.CompletedAt, run.Pages, run.Listed, run.Queued, run.UpToDate, run.Unsupported, run.RowsChecked, run.RowsRemoved,
            run.LastError, queue?.Waiting, queue?.Poisoned, next);
    }
}

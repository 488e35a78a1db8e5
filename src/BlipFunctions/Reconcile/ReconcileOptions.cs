namespace BlipFunctions.Reconcile;

/// <summary>Reconcile settings (app settings <c>Reconcile__*</c>; README "Reconcile").</summary>
public sealed class ReconcileOptions
{
    public const string SectionName = "Reconcile";

    /// <summary>
    /// The most blobs (or rows) one listing page holds: the Table service answers at most 1,000 entities a page (blob
    /// listings allow 5,000, but both phases share the setting).
    /// </summary>
    public const int MaxPageSize = 1000;

    /// <summary>Run a reconcile of the whole container every day at 03:00 UTC (<c>ReconcileTimer</c>). Off by default.</summary>
    public bool TimerEnabled { get; set; }

    /// <summary>Blobs (or rows) per listing page: one page is listed, checked and queued, then the run's marker is saved.</summary>
    public int PageSize { get; set; } = 1000;

    /// <summary>How many rows are read (or blobs asked) at once while a page is checked.</summary>
    public int Parallelism { get; set; } = 16;
}

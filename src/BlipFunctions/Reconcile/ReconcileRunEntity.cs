using Azure;
using Azure.Data.Tables;

namespace BlipFunctions.Reconcile;

/// <summary>
/// One reconcile run in the captions table (partition <see cref="ReconcileRuns.PartitionKey"/>): what was asked, where
/// its listing stands (phase and marker, so that it resumes there), what it has done, and who is advancing it now.
/// </summary>
public sealed class ReconcileRunEntity : ITableEntity
{
    public string PartitionKey { get; set; } = ReconcileRuns.PartitionKey;

    /// <summary>The run's id (<see cref="ReconcileRunIds"/>).</summary>
    public string RowKey { get; set; } = string.Empty;

    public DateTimeOffset? Timestamp { get; set; }

    public ETag ETag { get; set; }

    public string Container { get; set; } = string.Empty;

    public string Prefix { get; set; } = string.Empty;

    public bool IncludeFailed { get; set; }

    public bool Force { get; set; }

    /// <summary>What started it: <c>http</c> or <c>timer</c>.</summary>
    public string Trigger { get; set; } = string.Empty;

    public DateTimeOffset RequestedAt { get; set; }

    /// <summary><see cref="ReconcilePhases"/>: listing blobs, then sweeping rows, then done.</summary>
    public string Phase { get; set; } = ReconcilePhases.Blobs;

    /// <summary>Where the current phase's listing resumes (the service's continuation token); null at its start.</summary>
    public string? Marker { get; set; }

    public int Pages { get; set; }

    /// <summary>Blobs listed.</summary>
    public long Listed { get; set; }

    /// <summary>Caption requests queued (a page listed again after a crash is counted again).</summary>
    public long Queued { get; set; }

    /// <summary>Blobs whose row was already what the run asks for.</summary>
    public long UpToDate { get; set; }

    /// <summary>Blobs whose names the Functions blob trigger never delivers (so they can have no row).</summary>
    public long Unsupported { get; set; }

    /// <summary>Rows checked against their blobs in the sweep.</summary>
    public long RowsChecked { get; set; }

    /// <summary>Rows of deleted blobs removed by the sweep.</summary>
    public long RowsRemoved { get; set; }

    /// <summary>Until when an invocation is advancing the run; null when none is.</summary>
    public DateTimeOffset? LeaseExpiresAt { get; set; }

    /// <summary>The last fault that interrupted the run (it resumes from its marker).</summary>
    public string? LastError { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public DateTimeOffset? CompletedAt { get; set; }

    /// <summary>The policy queued caption requests carry.</summary>
    public RecaptionPolicy ToPolicy() => new(RowKey, RequestedAt, IncludeFailed, Force);
}

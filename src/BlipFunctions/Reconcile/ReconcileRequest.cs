namespace BlipFunctions.Reconcile;

/// <summary>What a reconcile is asked to do.</summary>
/// <param name="Prefix">Only blobs whose names start with it (empty: the whole container).</param>
/// <param name="IncludeFailed">Caption again the blobs whose rows are <c>failed</c>.</param>
/// <param name="Force">Caption again every blob, whatever made its row.</param>
public sealed record ReconcileRequest(string Prefix, bool IncludeFailed, bool Force)
{
    /// <summary>The timer's: the whole container, failures left alone.</summary>
    public static ReconcileRequest Everything { get; } = new(string.Empty, false, false);
}

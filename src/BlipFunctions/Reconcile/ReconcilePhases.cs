namespace BlipFunctions.Reconcile;

/// <summary>The phases of a reconcile run, in order.</summary>
public static class ReconcilePhases
{
    /// <summary>Listing the images container and queueing the blobs that need captioning.</summary>
    public const string Blobs = "blobs";

    /// <summary>Listing the caption rows and removing those whose blobs are gone.</summary>
    public const string Rows = "rows";

    /// <summary>Finished.</summary>
    public const string Done = "done";
}

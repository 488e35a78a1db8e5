namespace BlipFunctions.Telemetry;

/// <summary>
/// The categories (<c>error.type</c>) of failed and retried uploads and requests, beside the captioner's own
/// (<see cref="BlipCaptioning.Diagnostics.CaptioningErrorTypes"/>, e.g. unsupported_image): few and fixed, for dashboards and alerts.
/// </summary>
public static class FailureCategories
{
    public const string EmptyBlob = "empty_blob";
    public const string TooLarge = "too_large";
    public const string RetriesExhausted = "retries_exhausted";
    public const string Unexpected = "unexpected_error";
    public const string UnsupportedMediaType = "unsupported_media_type";
    public const string EmptyBody = "empty_body";

    /// <summary>Skipped uploads: the row already holds this version's result.</summary>
    public const string AlreadyDone = "already_done";

    /// <summary>Skipped uploads: the row holds a newer version.</summary>
    public const string Superseded = "superseded";

    /// <summary>Skipped uploads: the blob was deleted before it was read.</summary>
    public const string BlobGone = "blob_gone";
}

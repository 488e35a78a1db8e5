namespace BlipFunctions.Configuration;

/// <summary>
/// The Functions app's own settings (app settings <c>Captioning__*</c>; README "Settings"): where captions are
/// stored, where the model comes from, how often and how long a blob is tried. The captioning library binds the same
/// section for the settings it owns (<see cref="BlipCaptioning.CaptioningOptions"/>: the model folder, concurrency,
/// image limits, decoding); each setting is bound and validated by one of the two. The container the app captions is
/// the trigger's, compiled in (<see cref="Functions.CaptionBlobFunction.Container"/>).
/// </summary>
public sealed class CaptionPipelineOptions
{
    public const string SectionName = "Captioning";

    /// <summary>Table of caption rows.</summary>
    public string CaptionsTable { get; set; } = "captions";

    /// <summary>
    /// Blob folder URL the model is copied from into <c>Captioning__ModelDirectory</c> before it first loads (Azure);
    /// unset, the folder must already hold the model.
    /// </summary>
    public Uri? ModelBlobUri { get; set; }

    /// <summary>
    /// The host's attempts at one blob: host.json <c>extensions.blobs.poisonBlobThreshold</c> (5); keep the two equal.
    /// The attempt that reaches it writes a <c>failed</c> row after a transient fault instead of leaving the row
    /// <c>processing</c> while the blob goes to the poison queue.
    /// </summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>How long a captioning invocation holds a blob's row before another may take it over.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a duplicate invocation waits for the holder's result before it leaves it to a host retry.</summary>
    public TimeSpan LeaseWait { get; set; } = TimeSpan.FromMinutes(2);
}

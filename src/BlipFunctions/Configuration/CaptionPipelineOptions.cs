namespace BlipFunctions.Configuration;

/// <summary>
/// The app's settings from the <c>Captioning</c> section (app settings <c>Captioning__*</c>; README "Settings").
/// The captioning library binds the same section for its own settings (model directory, pixel limit).
/// </summary>
public sealed class CaptionPipelineOptions
{
    public const string SectionName = "Captioning";

    /// <summary>Container whose uploads are captioned; must be the trigger's container (<c>images</c>).</summary>
    public string ImagesContainer { get; set; } = "images";

    /// <summary>Table of caption rows.</summary>
    public string CaptionsTable { get; set; } = "captions";

    /// <summary>Folder holding the built model (<c>blip-model.json</c> and the graphs).</summary>
    public string ModelDirectory { get; set; } = "models/blip-image-captioning-base";

    /// <summary>Blob folder URL the model is copied from into <see cref="ModelDirectory"/> on first use (Azure).</summary>
    public Uri? ModelBlobUri { get; set; }

    /// <summary>Captions run at once per worker (blob and HTTP together).</summary>
    public int MaxConcurrency { get; set; } = 1;

    /// <summary>Larger uploads get a <c>failed</c> row; larger POST bodies get 413.</summary>
    public long MaxImageBytes { get; set; } = 50L * 1024 * 1024;

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

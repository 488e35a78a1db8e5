using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using BlipCaptioning;
using BlipFunctions.Captioning;

namespace BlipFunctions.Storage;

/// <summary>One row of the captions table: the latest caption of one blob (schema in docs/functions.md).</summary>
public sealed class CaptionEntity : ITableEntity
{
    public string PartitionKey { get; set; } = string.Empty;

    public string RowKey { get; set; } = string.Empty;

    public DateTimeOffset? Timestamp { get; set; }

    public ETag ETag { get; set; }

    public string Container { get; set; } = string.Empty;

    public string BlobName { get; set; } = string.Empty;

    public string Status { get; set; } = CaptionStatus.Processing;

    public string? Caption { get; set; }

    /// <summary>Space-separated keywords taken from the caption.</summary>
    public string? Keywords { get; set; }

    public double? Score { get; set; }

    /// <summary>Comma-separated token ids, starting with [DEC] 30522.</summary>
    public string? TokenIds { get; set; }

    public string? FailureReason { get; set; }

    /// <summary>The last transient error while the row is still processing (the host retries).</summary>
    public string? LastError { get; set; }

    public string BlobETag { get; set; } = string.Empty;

    public DateTimeOffset BlobLastModified { get; set; }

    public long BlobBytes { get; set; }

    public string? ContentType { get; set; }

    public int? Width { get; set; }

    public int? Height { get; set; }

    public string? Format { get; set; }

    public string? ModelSource { get; set; }

    public string? ModelPrecision { get; set; }

    /// <summary>The model's fingerprint (<see cref="ModelDescription.Fingerprint"/>); null on rows written before it was recorded.</summary>
    public string? ModelFingerprint { get; set; }

    /// <summary>The decoding settings used, as JSON (CaptionSettings).</summary>
    public string? Decoding { get; set; }

    public double? DecodeMs { get; set; }

    public double? PreprocessMs { get; set; }

    public double? VisionMs { get; set; }

    public double? GenerateMs { get; set; }

    public double? TotalMs { get; set; }

    public int? Steps { get; set; }

    /// <summary>True once the caption and keywords are on the blob as index tags.</summary>
    public bool TagsApplied { get; set; }

    /// <summary>Why tagging failed, when it did (the caption itself is still good).</summary>
    public string? TagError { get; set; }

    /// <summary>
    /// True once a succeeded row's keyword index entries are written; false while they are being written (or if that
    /// was cut short: the next event or reconcile for the blob writes them).
    /// </summary>
    public bool KeywordsIndexed { get; set; }

    /// <summary>While processing: until when the captioning invocation holds the row.</summary>
    public DateTimeOffset? LeaseExpiresAt { get; set; }

    /// <summary>The reconcile run whose caption request claimed this version (null: the blob trigger did).</summary>
    public string? ReconcileRun { get; set; }

    /// <summary>How many invocations have started captioning this blob version.</summary>
    public int Attempts { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>
    /// Records <paramref name="caption"/> as this row's result: the text, its keywords, the image, the model and
    /// decoding settings that made it and the stage times; <paramref name="tagError"/> says why the blob's index tags
    /// could not be set (null: they were). Clears the lease and any failure.
    /// </summary>
    public void RecordSuccess(Caption caption, string? tagError, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(caption);
        StageTimings timings = StageTimings.Of(caption.Timings);
        Status = CaptionStatus.Succeeded;
        Caption = caption.Text;
        Keywords = string.Join(' ', CaptionTags.Keywords(caption.Text));
        Score = caption.Score;
        TokenIds = string.Join(',', caption.TokenIds);
        Width = caption.Image.Width;
        Height = caption.Image.Height;
        Format = caption.Image.Format;
        ModelSource = caption.Model.Source;
        ModelPrecision = caption.Model.Precision;
        ModelFingerprint = caption.Model.Fingerprint;
        Decoding = JsonSerializer.Serialize(caption.Settings, CaptionJson.Options);
        DecodeMs = timings.DecodeMs;
        PreprocessMs = timings.PreprocessMs;
        VisionMs = timings.VisionMs;
        GenerateMs = timings.GenerateMs;
        TotalMs = timings.TotalMs;
        Steps = timings.Steps;
        KeywordsIndexed = false;
        TagsApplied = tagError is null;
        TagError = tagError;
        FailureReason = null;
        LastError = null;
        LeaseExpiresAt = null;
        UpdatedAt = now;
    }
}

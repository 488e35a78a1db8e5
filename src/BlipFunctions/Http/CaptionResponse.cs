using System.Text.Json;
using BlipFunctions.Captioning;
using BlipFunctions.Storage;

namespace BlipFunctions.Http;

/// <summary>The answer of <c>GET /api/captions/{id}</c> and one item of the listing.</summary>
/// <param name="Id">The blob name (the id in the URL).</param>
/// <param name="Status"><c>processing</c>, <c>succeeded</c> or <c>failed</c>.</param>
public sealed record CaptionResponse(
    string Id,
    string Container,
    string Status,
    string? Caption,
    IReadOnlyList<string>? Keywords,
    double? Score,
    string? FailureReason,
    string? LastError,
    ModelResponse? Model,
    JsonElement? Decoding,
    ImageResponse Image,
    StageTimings? Timings,
    bool TagsApplied,
    string? TagError,
    int Attempts,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    /// <summary>The answer for a caption row.</summary>
    public static CaptionResponse FromRow(CaptionEntity row)
    {
        ArgumentNullException.ThrowIfNull(row);
        bool succeeded = row.Status == CaptionStatus.Succeeded;
        return new CaptionResponse(
            row.BlobName,
            row.Container,
            row.Status,
            row.Caption,
            succeeded ? (row.Keywords ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries) : null,
            row.Score,
            row.FailureReason,
            row.LastError,
            row.ModelSource is null ? null : new ModelResponse(row.ModelSource, row.ModelPrecision ?? "unknown", row.ModelFingerprint),
            row.Decoding is null ? null : JsonSerializer.Deserialize<JsonElement>(row.Decoding),
            new ImageResponse(row.Width, row.Height, row.Format, row.BlobBytes, row.ContentType, row.BlobETag, row.BlobLastModified),
            row.TotalMs is null ? null : new StageTimings(row.DecodeMs, row.PreprocessMs, row.VisionMs, row.GenerateMs, row.TotalMs, row.Steps),
            row.TagsApplied,
            row.TagError,
            row.Attempts,
            row.CreatedAt,
            row.UpdatedAt);
    }
}

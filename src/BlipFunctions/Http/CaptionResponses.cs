using System.Text.Json;
using BlipCaptioning;
using BlipFunctions.Captioning;
using BlipFunctions.Storage;

namespace BlipFunctions.Http;

/// <summary>Maps caption rows and captions to the HTTP answers.</summary>
public static class CaptionResponses
{
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
            row.ModelSource is null ? null : new ModelResponse(row.ModelSource, row.ModelPrecision ?? "unknown"),
            row.Decoding is null ? null : JsonSerializer.Deserialize<JsonElement>(row.Decoding),
            new ImageResponse(row.Width, row.Height, row.Format, row.BlobBytes, row.ContentType, row.BlobETag, row.BlobLastModified),
            row.TotalMs is null ? null : new TimingsResponse(row.DecodeMs, row.PreprocessMs, row.VisionMs, row.GenerateMs, row.TotalMs, row.Steps),
            row.TagsApplied,
            row.TagError,
            row.Attempts,
            row.CreatedAt,
            row.UpdatedAt);
    }

    public static SyncCaptionResponse FromRun(CaptionRun run, string? contentType)
    {
        ArgumentNullException.ThrowIfNull(run);
        Caption caption = run.Caption;
        ModelDescription model = run.Model;
        CaptionTimings t = caption.Timings;
        return new SyncCaptionResponse(
            caption.Text,
            CaptionTags.Keywords(caption.Text),
            caption.Score,
            caption.TokenIds,
            new ModelResponse(model.Source, model.Precision),
            JsonSerializer.SerializeToElement(run.Settings, CaptionJson.Options),
            new ImageResponse(caption.Image.Width, caption.Image.Height, caption.Image.Format, caption.Image.Bytes, contentType, null, null),
            new TimingsResponse(t.Decode.TotalMilliseconds, t.Preprocess.TotalMilliseconds, (t.Vision + t.CrossAttention).TotalMilliseconds,
                (t.Generate + t.Detokenize).TotalMilliseconds, t.Total.TotalMilliseconds, t.Steps));
    }
}

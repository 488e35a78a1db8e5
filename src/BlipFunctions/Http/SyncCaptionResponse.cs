using System.Text.Json;
using BlipCaptioning;
using BlipFunctions.Captioning;

namespace BlipFunctions.Http;

/// <summary>The answer of <c>POST /api/captions</c>: a caption of the posted image, not stored anywhere.</summary>
public sealed record SyncCaptionResponse(
    string Caption,
    IReadOnlyList<string> Keywords,
    double Score,
    IReadOnlyList<long> TokenIds,
    ModelResponse Model,
    JsonElement Decoding,
    ImageResponse Image,
    StageTimings Timings)
{
    /// <summary>The answer for a caption of a posted body of type <paramref name="contentType"/>.</summary>
    public static SyncCaptionResponse From(Caption caption, string? contentType)
    {
        ArgumentNullException.ThrowIfNull(caption);
        return new SyncCaptionResponse(
            caption.Text,
            CaptionTags.Keywords(caption.Text),
            caption.Score,
            caption.TokenIds,
            new ModelResponse(caption.Model.Source, caption.Model.Precision, caption.Model.Fingerprint),
            JsonSerializer.SerializeToElement(caption.Settings, CaptionJson.Options),
            new ImageResponse(caption.Image.Width, caption.Image.Height, caption.Image.Format, caption.Image.Bytes, contentType, null, null),
            StageTimings.Of(caption.Timings));
    }
}

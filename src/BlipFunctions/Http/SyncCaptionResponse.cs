namespace BlipFunctions.Http;

/// <summary>The answer of <c>POST /api/captions</c>: a caption of the posted image, not stored anywhere.</summary>
public sealed record SyncCaptionResponse(
    string Caption,
    IReadOnlyList<string> Keywords,
    double Score,
    IReadOnlyList<long> TokenIds,
    ModelResponse Model,
    System.Text.Json.JsonElement Decoding,
    ImageResponse Image,
    TimingsResponse Timings);

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
    System.Text.Json.JsonElement? Decoding,
    ImageResponse Image,
    TimingsResponse? Timings,
    bool TagsApplied,
    string? TagError,
    int Attempts,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

namespace BlipFunctions.Http;

/// <summary>The answer of <c>GET /api/captions</c>: one page, and the token for the next (absent on the last page).</summary>
public sealed record CaptionListResponse(IReadOnlyList<CaptionResponse> Items, string? ContinuationToken);

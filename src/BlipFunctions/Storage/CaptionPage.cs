namespace BlipFunctions.Storage;

/// <summary>One page of caption rows and the token for the next page (null on the last page).</summary>
public sealed record CaptionPage(IReadOnlyList<CaptionEntity> Rows, string? ContinuationToken);

namespace BlipFunctions.Http;

/// <summary>Facts about the image: the decoded size and format, and the blob's bytes, type and version.</summary>
public sealed record ImageResponse(int? Width, int? Height, string? Format, long Bytes, string? ContentType, string? ETag, DateTimeOffset? LastModified);

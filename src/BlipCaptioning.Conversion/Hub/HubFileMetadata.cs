namespace BlipCaptioning.Conversion.Hub;

/// <summary>
/// What a <c>HEAD {endpoint}/{repo}/resolve/{revision}/{file}</c> tells: <c>X-Repo-Commit</c>, the normalized
/// <c>X-Linked-Etag</c> (the SHA-256 of an LFS file) or <c>ETag</c> (the git blob id), and <c>X-Linked-Size</c>
/// or <c>Content-Length</c>.
/// </summary>
public sealed record HubFileMetadata(string? Commit, string? ETag, long? Size)
{
    /// <summary>The ETag when it is a SHA-256 (64 hex digits), as it is for LFS files.</summary>
    public string? Sha256 => ETag is { Length: 64 } tag && tag.All(char.IsAsciiHexDigit) ? tag.ToLowerInvariant() : null;
}

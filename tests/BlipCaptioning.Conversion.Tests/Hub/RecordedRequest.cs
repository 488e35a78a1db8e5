namespace BlipCaptioning.Conversion.Tests.Hub;

/// <summary>A request <see cref="FakeHubServer"/> received.</summary>
internal sealed record RecordedRequest(string Method, string PathAndQuery, string? Range, string? Authorization)
{
    /// <summary>A request for file content or file metadata (resolve or CDN), as opposed to the model-info API.</summary>
    public bool IsFileRequest => PathAndQuery.Contains("/resolve/", StringComparison.Ordinal) || PathAndQuery.StartsWith("/cdn/", StringComparison.Ordinal);
}

using System.Text.Json.Serialization;

namespace BlipCaptioning.Conversion.Hub;

/// <summary>The Git LFS facts the hub lists for a large file: the content's SHA-256 and size.</summary>
public sealed record HubLfsInfo(
    [property: JsonPropertyName("sha256")] string Sha256,
    [property: JsonPropertyName("size")] long Size);

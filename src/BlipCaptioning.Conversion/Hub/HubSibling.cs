using System.Text.Json.Serialization;

namespace BlipCaptioning.Conversion.Hub;

/// <summary>
/// One file of a repo revision as the hub's model-info API lists it (<c>siblings[]</c>). <see cref="Size"/>,
/// <see cref="BlobId"/> and <see cref="Lfs"/> are only given when the request asked for <c>blobs=true</c>.
/// </summary>
public sealed record HubSibling(
    [property: JsonPropertyName("rfilename")] string FileName,
    [property: JsonPropertyName("size")] long? Size = null,
    [property: JsonPropertyName("blobId")] string? BlobId = null,
    [property: JsonPropertyName("lfs")] HubLfsInfo? Lfs = null)
{
    /// <summary>The content's size: the LFS size for LFS files, else the listed size.</summary>
    [JsonIgnore]
    public long? ContentSize => Lfs?.Size ?? Size;
}

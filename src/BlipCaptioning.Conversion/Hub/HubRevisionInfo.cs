using System.Text.Json.Serialization;

namespace BlipCaptioning.Conversion.Hub;

/// <summary>
/// The hub's answer to <c>GET /api/models/{repo}/revision/{revision}?blobs=true</c>: the commit the revision points at
/// and the files it holds.
/// </summary>
public sealed record HubRevisionInfo(
    [property: JsonPropertyName("sha")] string Commit,
    [property: JsonPropertyName("siblings")] IReadOnlyList<HubSibling> Siblings)
{
    /// <summary>The listed file with this path, or null.</summary>
    public HubSibling? Find(string fileName) => Siblings.FirstOrDefault(s => s.FileName == fileName);
}

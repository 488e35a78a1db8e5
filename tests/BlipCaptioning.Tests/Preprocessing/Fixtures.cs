using System.Text.Json;
using BlipCaptioning.Conversion.Numpy;
using BlipCaptioning.Testing;

namespace BlipCaptioning.Tests.Preprocessing;

/// <summary>The committed fixtures the preprocessing tests read: PIL's references and the tiny-a photos.</summary>
internal static class Fixtures
{
    public static string PilReference => RepositoryPaths.Fixture("pil-reference");

    public static string TinyA => RepositoryPaths.TinyA;

    public static string PilReferencePath(string relative) => Path.Combine(PilReference, relative);

    /// <summary>The entries of pil-reference/index.json: (input, resized) paths relative to pil-reference.</summary>
    public static IReadOnlyList<(string Input, string? Resized)> PilReferenceImages()
    {
        using JsonDocument index = JsonDocument.Parse(File.ReadAllText(PilReferencePath("index.json")));
        return index.RootElement.GetProperty("images").EnumerateArray()
            .Select(e => (e.GetProperty("input").GetString()!, e.TryGetProperty("resized", out JsonElement r) ? r.GetString() : null))
            .ToList();
    }

    public static byte[] ReadResized(string path)
    {
        NpyArray array = NpyReader.ReadFile(path);
        Assert.Equal([384, 384, 3], array.Shape);
        return array.AsBytes().ToArray();
    }
}

using System.Text.Json;
using BlipCaptioning.Conversion.Numpy;

namespace BlipCaptioning.Tests.Preprocessing;

/// <summary>Finds the committed fixtures (tests/fixtures) by walking up from the test binaries.</summary>
internal static class Fixtures
{
    private static readonly Lazy<string> Root = new(() =>
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "tests", "fixtures");
            if (Directory.Exists(Path.Combine(candidate, "pil-reference")))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("tests/fixtures/pil-reference not found above " + AppContext.BaseDirectory);
    });

    public static string PilReference => Path.Combine(Root.Value, "pil-reference");

    public static string TinyA => Path.Combine(Root.Value, "transformers-tiny-a");

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

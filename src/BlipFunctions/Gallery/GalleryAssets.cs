using System.Collections.Frozen;
using System.Security.Cryptography;

namespace BlipFunctions.Gallery;

/// <summary>
/// The gallery page's files (Gallery/Page/*), embedded in the app's assembly at build time: the app serves them
/// itself, with no web server, CDN or build step of their own.
/// </summary>
public static class GalleryAssets
{
    /// <summary>The page itself (served at <c>/api/gallery</c>).</summary>
    public const string PageName = "gallery.html";

    private const string ResourcePrefix = "Gallery/";

    private static readonly FrozenDictionary<string, GalleryAsset> s_assets = Load();

    /// <summary>The HTML page.</summary>
    public static GalleryAsset Page => s_assets[PageName];

    /// <summary>The names of the files served at <c>/api/gallery/{file}</c> (everything but the page).</summary>
    public static IEnumerable<string> FileNames => s_assets.Keys.Where(name => name != PageName).Order(StringComparer.Ordinal);

    /// <summary>The file called <paramref name="name"/> (exactly; the page is not among them), or null.</summary>
    public static GalleryAsset? Find(string? name) =>
        name is not null && name != PageName && s_assets.TryGetValue(name, out GalleryAsset? asset) ? asset : null;

    private static FrozenDictionary<string, GalleryAsset> Load()
    {
        var assembly = typeof(GalleryAssets).Assembly;
        var assets = new Dictionary<string, GalleryAsset>(StringComparer.Ordinal);
        foreach (string resource in assembly.GetManifestResourceNames().Where(r => r.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            using Stream stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            byte[] content = copy.ToArray();
            string name = resource[ResourcePrefix.Length..];
            string tag = "\"" + Convert.ToHexStringLower(SHA256.HashData(content).AsSpan(0, 16)) + "\"";
            assets[name] = new GalleryAsset(name, ContentTypeOf(name), content, tag);
        }

        if (!assets.ContainsKey(PageName))
        {
            throw new InvalidOperationException($"The gallery page ({ResourcePrefix}{PageName}) is not embedded in {assembly.GetName().Name}; the build is broken.");
        }

        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static string ContentTypeOf(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        _ => throw new InvalidOperationException($"The gallery file {name} has no known media type; add it to GalleryAssets."),
    };
}

using Microsoft.AspNetCore.Http;

namespace BlipFunctions.Gallery;

/// <summary>
/// The security headers of what the gallery serves. Data shown on the page (captions, blob names, failure reasons)
/// is untrusted text; the page's script puts it into the DOM as text only, and these headers are the second wall.
/// </summary>
public static class GalleryHeaders
{
    /// <summary>
    /// The page's Content-Security-Policy: scripts and styles only from the app's own files (no inline script or
    /// style, no eval), images from the app or from blob: URLs the script made of thumbnails it fetched, requests only
    /// to the app, no plugins, no base URL, no form posts elsewhere, and never inside another site's frame.
    /// </summary>
    public const string PagePolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; connect-src 'self'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /// <summary>For images served as files: nothing in them may run, even if a browser is opened on one directly.</summary>
    public const string FilePolicy = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox";

    /// <summary>The page: its policy, no referrer (the page URL may hold the function key), not cached, not framed.</summary>
    public static void ApplyToPage(HttpResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        ApplyCommon(response);
        response.Headers.ContentSecurityPolicy = PagePolicy;
        response.Headers.CacheControl = "no-store";
        response.Headers["Cross-Origin-Opener-Policy"] = "same-origin";
    }

    /// <summary>The page's script, style and icon: public code, revalidated by ETag on every use.</summary>
    public static void ApplyToAsset(HttpResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        ApplyCommon(response);
        response.Headers.ContentSecurityPolicy = FilePolicy;
        response.Headers.CacheControl = "no-cache";
    }

    /// <summary>
    /// Thumbnails and originals: private to the key holder's browser. <paramref name="immutable"/> when the URL names
    /// the image version it shows (<c>?v=</c> equal to the blob's ETag), so the browser keeps it without asking again.
    /// </summary>
    public static void ApplyToImage(HttpResponse response, bool immutable)
    {
        ArgumentNullException.ThrowIfNull(response);
        ApplyCommon(response);
        response.Headers.ContentSecurityPolicy = FilePolicy;
        response.Headers.CacheControl = immutable ? "private, max-age=31536000, immutable" : "private, no-cache";
        response.Headers["Cross-Origin-Resource-Policy"] = "same-origin";
    }

    private static void ApplyCommon(HttpResponse response)
    {
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers.XFrameOptions = "DENY";
    }
}

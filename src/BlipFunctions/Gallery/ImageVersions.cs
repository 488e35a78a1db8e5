using Azure;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace BlipFunctions.Gallery;

/// <summary>
/// How thumbnails and originals are cached: by the image blob's ETag. A URL whose <c>?v=</c> is the blob's current
/// ETag names that version and may be kept for a year; any request may revalidate with <c>If-None-Match</c>.
/// </summary>
public static class ImageVersions
{
    /// <summary>An ETag without its quotes (and without a weak marker), as the gallery passes it in <c>?v=</c>.</summary>
    public static string Unquoted(string eTag)
    {
        ArgumentNullException.ThrowIfNull(eTag);
        string value = eTag.StartsWith("W/", StringComparison.Ordinal) ? eTag[2..] : eTag;
        return value.Trim('"');
    }

    /// <summary>True when the request's <c>?v=</c> names <paramref name="blobETag"/>, the version it is answered with.</summary>
    public static bool IsNamedBy(HttpRequest request, ETag blobETag)
    {
        ArgumentNullException.ThrowIfNull(request);
        string version = request.Query["v"].ToString();
        return version.Length > 0 && Unquoted(version) == Unquoted(blobETag.ToString());
    }

    /// <summary>
    /// True when the request's <c>If-None-Match</c> holds <paramref name="entityTag"/>; the response then gets the tag
    /// and the caller answers 304.
    /// </summary>
    public static bool IsNotModified(HttpRequest request, EntityTagHeaderValue entityTag)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(entityTag);
        if (!request.GetTypedHeaders().IfNoneMatch.Any(tag => tag.Compare(entityTag, useStrongComparison: false)))
        {
            return false;
        }

        request.HttpContext.Response.Headers.ETag = entityTag.ToString();
        return true;
    }
}

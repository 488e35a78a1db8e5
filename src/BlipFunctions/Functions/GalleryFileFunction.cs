using BlipFunctions.Gallery;
using BlipFunctions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Net.Http.Headers;

namespace BlipFunctions.Functions;

/// <summary>
/// <c>GET /api/gallery/{file}</c>: the gallery page's script, style and icon, embedded in the app. Anonymous: they
/// are the public code of this repository and hold no data, and a browser loads them through script and link tags,
/// which cannot send the function key. Everything with data (the page's API calls, thumbnails, images) needs the key.
/// </summary>
public static class GalleryFileFunction
{
    [Function("GalleryFile")]
    public static IActionResult Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "gallery/{file}")] HttpRequest request,
        string? file)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (GalleryAssets.Find(file) is not { } asset)
        {
            return Problems.Create(StatusCodes.Status404NotFound, "No such gallery file",
                $"The gallery has the files {string.Join(", ", GalleryAssets.FileNames)}; open the page itself at /api/gallery.");
        }

        GalleryHeaders.ApplyToAsset(request.HttpContext.Response);
        return new FileContentResult(asset.Content, asset.ContentType) { EntityTag = EntityTagHeaderValue.Parse(asset.EntityTag) };
    }
}

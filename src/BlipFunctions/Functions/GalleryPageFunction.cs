using BlipFunctions.Gallery;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BlipFunctions.Functions;

/// <summary>
/// <c>GET /api/gallery</c>: the gallery page (HTML only; its script, style and icon are <see cref="GalleryFileFunction"/>'s).
/// Like the API it needs the function key in Azure: open <c>/api/gallery?code=&lt;key&gt;</c>, and the page's script
/// sends that key as <c>x-functions-key</c> with each request it makes.
/// </summary>
public static class GalleryPageFunction
{
    [Function("GalleryPage")]
    public static IActionResult Run([HttpTrigger(AuthorizationLevel.Function, "get", Route = "gallery")] HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        string path = request.Path.Value ?? string.Empty;
        if (path.Length > 1 && path.EndsWith('/'))
        {
            // The page's files are addressed relative to /api/gallery; /api/gallery/ would look for them one folder down.
            return new RedirectResult(path.TrimEnd('/') + request.QueryString.Value, permanent: false);
        }

        GalleryHeaders.ApplyToPage(request.HttpContext.Response);
        GalleryAsset page = GalleryAssets.Page;
        return new FileContentResult(page.Content, page.ContentType);
    }
}

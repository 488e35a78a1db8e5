using Azure;
using Azure.Storage.Blobs.Models;
using BlipCaptioning.Errors;
using BlipFunctions.Gallery;
using BlipFunctions.Http;
using BlipFunctions.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Net.Http.Headers;

namespace BlipFunctions.Functions;

/// <summary>
/// <c>GET /api/thumbnails/{id}?v=</c>: a JPEG of at most 320 x 320 pixels of the image blob <c>id</c>, made with the
/// captioning loader and limits (structure walk, byte, pixel and side limits, decode time budget) and cached
/// (<see cref="ThumbnailStore"/>); an image that loader refuses is a 422 with its reason, never kept by the browser. With <c>v</c> equal to the blob's ETag
/// (the <c>image.eTag</c> of its caption) the answer is cacheable for a year; otherwise it is revalidated by ETag.
/// </summary>
public sealed class GetThumbnailFunction(ThumbnailStore thumbnails)
{
    [Function("GetThumbnail")]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "thumbnails/{*id:minlength(1)}")] HttpRequest request,
        string? id,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (BlobNames.Validate(id) is { } invalid)
        {
            return Problems.Create(StatusCodes.Status400BadRequest, "Malformed image id", invalid);
        }

        if (await thumbnails.FindImageAsync(id!, cancellationToken).ConfigureAwait(false) is not { } image)
        {
            return Problems.Create(StatusCodes.Status404NotFound, "No such image", $"There is no image named '{id}'.");
        }

        GalleryHeaders.ApplyToImage(request.HttpContext.Response, ImageVersions.IsNamedBy(request, image.ETag));
        var entityTag = EntityTagHeaderValue.Parse(ThumbnailStore.EntityTagFor(image.ETag));
        if (ImageVersions.IsNotModified(request, entityTag))
        {
            return new StatusCodeResult(StatusCodes.Status304NotModified);
        }

        try
        {
            byte[] jpeg = await thumbnails.GetAsync(id!, image, cancellationToken).ConfigureAwait(false);
            return new FileContentResult(jpeg, ThumbnailEncoder.ContentType) { EntityTag = entityTag };
        }
        catch (UnsupportedImageException e)
        {
            // Not kept by the browser: a refusal for time (DecodeTimeout on a busy worker) may not be one next time.
            request.HttpContext.Response.Headers.CacheControl = "no-store";
            return Problems.Create(StatusCodes.Status422UnprocessableEntity, "No thumbnail for this image", e.Message);
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            request.HttpContext.Response.Headers.CacheControl = "no-store";
            return Problems.Create(StatusCodes.Status409Conflict, "The image changed", "The image was replaced or deleted while its thumbnail was made; ask again.");
        }
    }
}

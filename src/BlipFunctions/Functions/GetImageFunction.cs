using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using BlipCaptioning;
using BlipFunctions.Configuration;
using BlipFunctions.Gallery;
using BlipFunctions.Http;
using BlipFunctions.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace BlipFunctions.Functions;

/// <summary>
/// <c>GET /api/images/{id}?v=</c>: the original image blob <c>id</c>, streamed through the app (no SAS ever reaches a
/// browser). Served only as one of the accepted image formats, with the media type its first bytes show (never the
/// type the uploader set), at most <c>Captioning__MaxImageBytes</c>, nosniff and a sandboxing policy.
/// </summary>
public sealed class GetImageFunction(CaptionStorageClients clients, IOptions<CaptioningOptions> captioning)
{
    [Function("GetImage")]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "images/{*id:minlength(1)}")] HttpRequest request,
        string? id,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (BlobNames.Validate(id) is { } invalid)
        {
            return Problems.Create(StatusCodes.Status400BadRequest, "Malformed image id", invalid);
        }

        BlobClient blob = clients.Blobs.GetBlobContainerClient(CaptionBlobFunction.Container).GetBlobClient(id);
        BlobDownloadStreamingResult head;
        try
        {
            head = (await blob.DownloadStreamingAsync(new BlobDownloadOptions { Range = new HttpRange(0, ImageMediaTypes.HeadLength) }, cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return Problems.Create(StatusCodes.Status404NotFound, "No such image", $"There is no image named '{id}'.");
        }
        catch (RequestFailedException e) when (e.Status == 416)
        {
            return NotServed("The blob is empty.");
        }

        ETag eTag;
        long length;
        byte[] first = new byte[ImageMediaTypes.HeadLength];
        int read;
        using (head)
        {
            eTag = head.Details.ETag;
            length = TotalLength(head.Details.ContentRange) ?? head.Details.ContentLength;
            read = await ReadAtMostAsync(head.Content, first, cancellationToken).ConfigureAwait(false);
        }

        CaptioningOptions limits = captioning.Value;
        if (length > limits.MaxImageBytes)
        {
            return NotServed($"The image is {length:N0} bytes, over the limit of {limits.MaxImageBytes:N0} bytes (Captioning__MaxImageBytes).");
        }

        if (ImageMediaTypes.Sniff(first.AsSpan(0, read), limits.EnableTiff) is not { } mediaType)
        {
            return NotServed("The blob is not an image in an accepted format (JPEG, PNG, GIF, BMP, WebP).");
        }

        GalleryHeaders.ApplyToImage(request.HttpContext.Response, ImageVersions.IsNamedBy(request, eTag));
        var entityTag = EntityTagHeaderValue.Parse("\"" + ImageVersions.Unquoted(eTag.ToString()) + "\"");
        if (ImageVersions.IsNotModified(request, entityTag))
        {
            return new StatusCodeResult(StatusCodes.Status304NotModified);
        }

        try
        {
            BlobDownloadStreamingResult whole = (await blob.DownloadStreamingAsync(
                new BlobDownloadOptions { Conditions = new BlobRequestConditions { IfMatch = eTag } }, cancellationToken).ConfigureAwait(false)).Value;
            request.HttpContext.Response.ContentLength = whole.Details.ContentLength;
            return new FileStreamResult(whole.Content, mediaType) { EntityTag = entityTag };
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            return Problems.Create(StatusCodes.Status409Conflict, "The image changed", "The image was replaced or deleted while it was being read; ask again.");
        }
    }

    private static ObjectResult NotServed(string why) =>
        Problems.Create(StatusCodes.Status422UnprocessableEntity, "Not an image the gallery shows", why);

    /// <summary>The total of a <c>Content-Range: bytes 0-11/12345</c> answer.</summary>
    private static long? TotalLength(string? contentRange) =>
        contentRange is not null && contentRange.LastIndexOf('/') is >= 0 and var slash
            && long.TryParse(contentRange.AsSpan(slash + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long total)
            ? total
            : null;

    private static async Task<int> ReadAtMostAsync(Stream stream, byte[] buffer, CancellationToken cancellationToken)
    {
        int total = 0;
        int read;
        while (total < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken).ConfigureAwait(false)) > 0)
        {
            total += read;
        }

        return total;
    }
}

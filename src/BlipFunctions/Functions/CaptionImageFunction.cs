using BlipCaptioning;
using BlipCaptioning.Errors;
using BlipFunctions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace BlipFunctions.Functions;

/// <summary><c>POST /api/captions</c>: captions the image in the body and answers at once; nothing is stored.</summary>
public sealed class CaptionImageFunction(IImageCaptioner captioner, IOptions<CaptioningOptions> options)
{
    /// <summary>The Functions host's default request-body limit (ScriptConstants.DefaultMaxRequestBodySize).</summary>
    public const long HostRequestBodyLimit = 104_857_600;

    [Function("CaptionImage")]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "captions")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        long limit = options.Value.MaxImageBytes;
        AcceptWholeBodyFromTheHost(request, limit);
        string? contentType = request.ContentType;
        if (contentType is not null
            && !contentType.StartsWith("image/", StringComparison.OrdinalIgnoreCase)
            && !contentType.StartsWith("application/octet-stream", StringComparison.OrdinalIgnoreCase))
        {
            return Problems.Create(StatusCodes.Status415UnsupportedMediaType, "Send the image bytes",
                $"The body is '{contentType}'; send the image file itself as image/jpeg, image/png (any image/*) or application/octet-stream.");
        }

        if (request.ContentLength > limit)
        {
            return TooLarge(limit);
        }

        using var image = new MemoryStream();
        try
        {
            if (!await CopyWithinAsync(request.Body, image, limit, cancellationToken).ConfigureAwait(false))
            {
                return TooLarge(limit);
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge(limit);
        }

        if (image.Length == 0)
        {
            return Problems.Create(StatusCodes.Status400BadRequest, "Empty body", "The body is empty: send an image file (JPEG, PNG, GIF, BMP or WebP).");
        }

        image.Position = 0;
        try
        {
            Caption caption = await captioner.CaptionAsync(image, settings: null, cancellationToken).ConfigureAwait(false);
            return new OkObjectResult(SyncCaptionResponse.From(caption, contentType));
        }
        catch (UnsupportedImageException e)
        {
            return Problems.Create(StatusCodes.Status400BadRequest, "Not an image we can caption", e.Message);
        }
    }

    /// <summary>
    /// The host proxies the request to this worker's own Kestrel, whose default limit (30,000,000 bytes) would fail
    /// a larger body before our limit is reached, and would cut the upload of a body we refuse, which the host's
    /// proxy turns into a 500. So Kestrel here accepts what the host itself accepts (its own limit,
    /// FUNCTIONS_REQUEST_BODY_SIZE_LIMIT, 104,857,600 bytes by default) and drains what we do not read; our limit is
    /// applied while reading.
    /// </summary>
    private static void AcceptWholeBodyFromTheHost(HttpRequest request, long limit)
    {
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } serverLimit)
        {
            serverLimit.MaxRequestBodySize = Math.Max(limit, HostRequestBodyLimit);
        }
    }

    private static ObjectResult TooLarge(long limit) =>
        Problems.Create(StatusCodes.Status413PayloadTooLarge, "Image too large",
            $"The body is over the limit of {limit} bytes (Captioning__MaxImageBytes): send a smaller image.");

    private static async Task<bool> CopyWithinAsync(Stream source, MemoryStream target, long limit, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[81920];
        int read;
        while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (target.Length + read > limit)
            {
                return false;
            }

            await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
        }

        return true;
    }
}

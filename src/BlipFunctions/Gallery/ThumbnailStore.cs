using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using BlipCaptioning;
using BlipCaptioning.Errors;
using BlipCaptioning.Preprocessing;
using BlipFunctions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BlipFunctions.Gallery;

/// <summary>
/// The gallery's thumbnails: made on request from the image blob with the core's hardened loader and the limits
/// captioning uses (<see cref="CaptioningOptions.ToImageLoadingOptions"/>: the structure walk before any decoder,
/// <c>Captioning__MaxImageBytes</c>, <c>Captioning__MaxImagePixels</c>, <c>Captioning__ImageDecodeTimeout</c> with the
/// request's cancellation reaching the decoder, TIFF only when enabled), at most <see cref="MaxConcurrentThumbnails"/>
/// at once, and kept in the <see cref="CacheContainer"/> container beside the images, keyed by the image's name and
/// ETag, so each image version is decoded once.
/// The cache is a convenience: when it cannot be read or written the thumbnail is made and served all the same.
/// </summary>
public sealed partial class ThumbnailStore : IDisposable
{
    /// <summary>The container of cached thumbnails (same account as the images; created on first use).</summary>
    public const string CacheContainer = "gallery-thumbnails";

    /// <summary>Thumbnails made at once per worker; captioning needs the CPU more.</summary>
    public const int MaxConcurrentThumbnails = 2;

    /// <summary>A cached thumbnail larger than this is not one we wrote: it is ignored and replaced.</summary>
    public const long MaxCachedBytes = 1024 * 1024;

    /// <summary>Changes whenever <see cref="ThumbnailEncoder"/>'s output changes, so older cached thumbnails are replaced.</summary>
    public const string FormatVersion = "jpeg-320-q80-v1";

    private const string SourceETagKey = "sourceetag";
    private const string FormatKey = "format";

    private readonly BlobContainerClient _images;
    private readonly BlobContainerClient _cache;
    private readonly BlipImagePreprocessor _loader;
    private readonly long _maxImageBytes;
    private readonly ILogger<ThumbnailStore> _logger;
    private readonly SemaphoreSlim _gate = new(MaxConcurrentThumbnails, MaxConcurrentThumbnails);
    private volatile bool _cacheExists;

    public ThumbnailStore(CaptionStorageClients clients, IOptions<CaptioningOptions> captioning, ILogger<ThumbnailStore> logger)
    {
        ArgumentNullException.ThrowIfNull(clients);
        ArgumentNullException.ThrowIfNull(captioning);
        _images = clients.Blobs.GetBlobContainerClient(Functions.CaptionBlobFunction.Container);
        _cache = clients.Blobs.GetBlobContainerClient(CacheContainer);
        CaptioningOptions o = captioning.Value;
        _maxImageBytes = o.MaxImageBytes;
        _loader = new BlipImagePreprocessor(options: o.ToImageLoadingOptions());
        _logger = logger;
    }

    /// <summary>The image blob's current properties, or null when there is no such blob.</summary>
    public async Task<BlobProperties?> FindImageAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            return (await _images.GetBlobClient(name).GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    /// <summary>The HTTP entity tag of the thumbnail of this image version (changes with the image and the format).</summary>
    public static string EntityTagFor(ETag imageETag) => $"\"{FormatVersion}-{ImageVersions.Unquoted(imageETag.ToString())}\"";

    /// <summary>
    /// The thumbnail of the image version <paramref name="image"/> describes: from the cache, or made now and cached.
    /// </summary>
    /// <exception cref="UnsupportedImageException">The image cannot be decoded within the limits (the reason says why).</exception>
    /// <exception cref="RequestFailedException">412: the image changed since <paramref name="image"/> was read.</exception>
    public async Task<byte[]> GetAsync(string name, BlobProperties image, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(image);
        string sourceETag = ImageVersions.Unquoted(image.ETag.ToString());
        if (await ReadCachedAsync(name, sourceETag, cancellationToken).ConfigureAwait(false) is { } cached)
        {
            return cached;
        }

        byte[] thumbnail = await MakeAsync(name, image, cancellationToken).ConfigureAwait(false);
        await WriteCachedAsync(name, sourceETag, thumbnail, cancellationToken).ConfigureAwait(false);
        return thumbnail;
    }

    private async Task<byte[]> MakeAsync(string name, BlobProperties image, CancellationToken cancellationToken)
    {
        if (image.ContentLength > _maxImageBytes)
        {
            throw new UnsupportedImageException(
                $"The image is {image.ContentLength:N0} bytes, over the limit of {_maxImageBytes:N0} bytes (Captioning__MaxImageBytes); it has no thumbnail.");
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var conditions = new BlobRequestConditions { IfMatch = image.ETag };
            using BlobDownloadStreamingResult download = (await _images.GetBlobClient(name)
                .DownloadStreamingAsync(new BlobDownloadOptions { Conditions = conditions }, cancellationToken).ConfigureAwait(false)).Value;
            using LoadedImage loaded = await _loader.LoadAsync(download.Content, cancellationToken).ConfigureAwait(false);
            return ThumbnailEncoder.Encode(loaded);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<byte[]?> ReadCachedAsync(string name, string sourceETag, CancellationToken cancellationToken)
    {
        try
        {
            using BlobDownloadStreamingResult cached = (await _cache.GetBlobClient(name)
                .DownloadStreamingAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
            IDictionary<string, string> metadata = cached.Details.Metadata;
            if (cached.Details.ContentLength is <= 0 or > MaxCachedBytes
                || !metadata.TryGetValue(SourceETagKey, out string? forETag) || forETag != sourceETag
                || !metadata.TryGetValue(FormatKey, out string? format) || format != FormatVersion)
            {
                return null;
            }

            byte[] bytes = new byte[cached.Details.ContentLength];
            await cached.Content.ReadExactlyAsync(bytes, cancellationToken).ConfigureAwait(false);
            return bytes;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
        catch (Exception e) when (e is RequestFailedException or IOException)
        {
            CacheUnavailable(_logger, name, e.Message);
            return null;
        }
    }

    private async Task WriteCachedAsync(string name, string sourceETag, byte[] thumbnail, CancellationToken cancellationToken)
    {
        try
        {
            if (!_cacheExists)
            {
                await _cache.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                _cacheExists = true;
            }

            await _cache.GetBlobClient(name).UploadAsync(new BinaryData(thumbnail), new BlobUploadOptions
            {
                HttpHeaders = new BlobHttpHeaders { ContentType = ThumbnailEncoder.ContentType },
                Metadata = new Dictionary<string, string> { [SourceETagKey] = sourceETag, [FormatKey] = FormatVersion },
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e)
        {
            CacheUnavailable(_logger, name, e.Message);
        }
    }

    public void Dispose() => _gate.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Thumbnail cache not used for {BlobName}: {Reason}")]
    private static partial void CacheUnavailable(ILogger logger, string blobName, string reason);
}

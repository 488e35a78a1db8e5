namespace BlipCaptioning.Preprocessing;

/// <summary>
/// Limits and switches for decoding untrusted image bytes. The limits are checked before the work they bound: the
/// byte size while reading, the pixel count from the image header, the time budget throughout the decode. The
/// fixed limits on the container structure (metadata, segments, JPEG scans) are in <see cref="ImageStructureLimits"/>.
/// </summary>
public sealed record ImageLoadingOptions
{
    /// <summary>50 MiB.</summary>
    public const long DefaultMaxBytes = 50L * 1024 * 1024;

    /// <summary>40 megapixels.</summary>
    public const long DefaultMaxPixels = 40_000_000;

    /// <summary>The largest pixel count any setting may allow (an 8-bit RGB image of this size is 1.5 GB).</summary>
    /// <summary>
    /// 20 seconds: about ten times what a 40-megapixel JPEG or PNG took to decode on a busy 2-core machine (1 to 2.4 s),
    /// and far below the 230 s an HTTP answer may take and the 5 minutes a blob's lease lasts.
    /// </summary>
    public static readonly TimeSpan DefaultDecodeTimeout = TimeSpan.FromSeconds(20);

    /// <summary>The longest decode time budget any setting may allow.</summary>
    public static readonly TimeSpan UpperDecodeTimeout = TimeSpan.FromMinutes(10);
    public const long UpperPixelLimit = 500_000_000;

    /// <summary>The largest encoded image accepted, in bytes. Default 50 MiB.</summary>
    public long MaxBytes { get; init; } = DefaultMaxBytes;

    /// <summary>The largest width x height accepted (read from the header before decoding). Default 40 megapixels.</summary>
    public long MaxPixels { get; init; } = DefaultMaxPixels;

    /// <summary>
    /// How long one image may take from the structure walk to the last decoded row; past it the decode is stopped and
    /// the image refused. Default 20 seconds.
    /// </summary>
    public TimeSpan DecodeTimeout { get; init; } = DefaultDecodeTimeout;

    /// <summary>Accept TIFF images. Off by default: TIFF is a large attack surface and rarely needed.</summary>
    public bool EnableTiff { get; init; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the setting when a value is out of range.</summary>
    public void Validate()
    {
        if (MaxBytes < 1 || MaxBytes > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxBytes), MaxBytes, $"MaxBytes must be between 1 and {Array.MaxLength:N0} bytes.");
        }

        if (MaxPixels < 1 || MaxPixels > UpperPixelLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxPixels), MaxPixels, $"MaxPixels must be between 1 and {UpperPixelLimit:N0}.");
        }

        if (DecodeTimeout <= TimeSpan.Zero || DecodeTimeout > UpperDecodeTimeout)
        {
            throw new ArgumentOutOfRangeException(nameof(DecodeTimeout), DecodeTimeout, $"DecodeTimeout must be more than zero and at most {UpperDecodeTimeout}.");
        }
    }
}

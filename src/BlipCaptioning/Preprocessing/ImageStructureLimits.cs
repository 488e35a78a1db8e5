namespace BlipCaptioning.Preprocessing;

/// <summary>
/// Fixed budgets on the container structure of an encoded image, checked by a walk over its segments, chunks or
/// blocks before any decoder sees the bytes (docs/preprocessing.md "Limits"). They are not settings: each sits far
/// above what encoders write and far below what makes a decoder slow, so no legitimate image comes near them.
/// The settings a caller may change are in <see cref="ImageLoadingOptions"/>.
/// </summary>
public static class ImageStructureLimits
{
    /// <summary>
    /// Pixels on either side of an image. The resize to the model's input widens or narrows every row to its width
    /// and sums every row into its height, so its cost grows with the longer side, whatever the pixel count: a
    /// 1 x 40,000,000 PNG of a few kilobytes would take minutes. JPEG, GIF and BMP cannot exceed this anyway.
    /// </summary>
    public const int MaxSide = 65535;

    /// <summary>
    /// Bytes of metadata one image may carry: JPEG APPn and COM segments, PNG chunks other than IHDR, PLTE, tRNS,
    /// IDAT and IEND (text, EXIF, XMP, ICC, ...), WebP chunks other than the image data, GIF extension blocks. 16 MiB:
    /// cameras write well under 1 MiB, Photoshop files with XMP history a few MiB.
    /// </summary>
    public const int MaxMetadataBytes = 16 * 1024 * 1024;

    /// <summary>
    /// Segments one image may have: JPEG marker segments, PNG chunks other than IDAT, WebP chunks, GIF blocks before
    /// the first frame. 4,096: a progressive JPEG with its tables has a few dozen.
    /// </summary>
    public const int MaxSegments = 4096;

    /// <summary>
    /// Scans one JPEG may have. Each scan of a progressive JPEG is a pass over all the coefficient blocks of its
    /// components (2 to 4 ms at 40 megapixels on a busy 2-core machine), however few bytes it takes: 500 scans cost
    /// about 1.4 s there. Encoders write 1 to 4 scans (baseline) or about 10 (progressive).
    /// </summary>
    public const int MaxJpegScans = 500;

    /// <summary>
    /// Prefix-code groups a lossless WebP (or a lossy WebP's lossless alpha) may use. ImageSharp 2.1 allocates a
    /// Huffman table of up to 40 KB for every group index up to the largest one in the image, which a 54-byte file can
    /// set to 65,535 (1.5 GB). libwebp's encoder writes at most 2,600 groups.
    /// </summary>
    public const int MaxWebpPrefixCodeGroups = 2600;

    /// <summary>
    /// Bytes a compressed PNG text chunk that we read may inflate to (the legacy "Raw profile type exif" and the XMP
    /// packet, read for the orientation). 1 MiB, PIL's limit for any text chunk. Other text chunks are never inflated.
    /// </summary>
    public const int MaxTextChunkBytes = 1024 * 1024;
}

using System.Globalization;
using BlipCaptioning.Errors;

namespace BlipCaptioning.Preprocessing;

/// <summary>
/// What the walk over an image's container structure found: the bytes the decoder gets (the file itself, its
/// first GIF frame only, or a PNG whose image data was gathered into one chunk) and the EXIF orientation tag.
/// </summary>
/// <param name="DecoderInput">The bytes to decode.</param>
/// <param name="OrientationTag">The EXIF Orientation value, null when the image has none (or none PIL would read).</param>
internal sealed record ImageStructure(ReadOnlyMemory<byte> DecoderInput, int? OrientationTag)
{
    /// <summary>The orientation to apply (1 to 8).</summary>
    public int Orientation => ExifOrientationReader.OrientationOf(OrientationTag);

    /// <summary>The refusal for data that ends before the structure says it should.</summary>
    public static UnsupportedImageException Truncated(string format, int length, string where) => new(string.Create(CultureInfo.InvariantCulture,
        $"The {format} image is truncated: its {length:N0} bytes end before {where}. Send the complete file."));

    /// <summary>The refusal for a structure no encoder writes.</summary>
    public static UnsupportedImageException Damaged(string format, string what) =>
        new($"The {format} image is damaged: {what}.");
}

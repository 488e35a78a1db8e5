namespace BlipFunctions.Gallery;

/// <summary>
/// The media type of an image from its first bytes, for the formats the app accepts (JPEG, PNG, GIF, BMP, WebP;
/// TIFF only when enabled). The gallery serves originals with this type, never with the content type the uploader
/// set, so a blob uploaded as <c>text/html</c> is never served as a page.
/// </summary>
public static class ImageMediaTypes
{
    /// <summary>How many first bytes <see cref="Sniff"/> needs.</summary>
    public const int HeadLength = 12;

    /// <summary>The media type, or null when the bytes are not one of the accepted formats.</summary>
    public static string? Sniff(ReadOnlySpan<byte> head, bool enableTiff)
    {
        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]))
        {
            return "image/jpeg";
        }

        if (head.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            return "image/png";
        }

        if (head.StartsWith("GIF87a"u8) || head.StartsWith("GIF89a"u8))
        {
            return "image/gif";
        }

        if (head.StartsWith("BM"u8))
        {
            return "image/bmp";
        }

        if (head.Length >= 12 && head.StartsWith("RIFF"u8) && head[8..12].SequenceEqual("WEBP"u8))
        {
            return "image/webp";
        }

        if (enableTiff && (head.StartsWith("II*\0"u8) || head.StartsWith("MM\0*"u8)))
        {
            return "image/tiff";
        }

        return null;
    }
}

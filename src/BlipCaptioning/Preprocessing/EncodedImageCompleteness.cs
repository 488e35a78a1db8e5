using System.Buffers.Binary;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Webp;

namespace BlipCaptioning.Preprocessing;

/// <summary>
/// Tells whether an encoded image holds all the data its structure promises. ImageSharp 2.1 decodes a truncated
/// JPEG, GIF, WebP or BMP without complaint (the missing part comes out gray or black), whereas PIL (and so
/// transformers) raises "image file is truncated"; we refuse them too. PNG needs no check here: ImageSharp already
/// fails on a cut PNG. Each check only walks the container structure; none decodes pixels.
/// </summary>
internal static class EncodedImageCompleteness
{
    private const byte Marker = 0xFF;
    private const byte StartOfScan = 0xDA;
    private const byte EndOfImage = 0xD9;

    /// <summary>False when the data ends before the format's structure says it should.</summary>
    public static bool IsComplete(IImageFormat format, ReadOnlySpan<byte> data) => format switch
    {
        JpegFormat => JpegReachesEndOfImage(data),
        GifFormat => GifHoldsFirstFrame(data),
        WebpFormat => WebpHoldsRiffPayload(data),
        BmpFormat => BmpHoldsPixelData(data),
        _ => true,
    };

    /// <summary>
    /// A JPEG must reach its end-of-image marker. The walk follows the marker segments by their lengths and skips
    /// entropy-coded data after each SOS, so an EOI inside an embedded EXIF thumbnail does not count, and data
    /// appended after the EOI (motion photos) is allowed.
    /// </summary>
    internal static bool JpegReachesEndOfImage(ReadOnlySpan<byte> jpeg)
    {
        int i = 2; // after SOI (FF D8), which format detection has already seen
        while (i + 1 < jpeg.Length)
        {
            if (jpeg[i] != Marker)
            {
                // Stray bytes between segments: libjpeg skips them with a warning, so do we.
                i++;
                continue;
            }

            byte code = jpeg[i + 1];
            if (code == Marker)
            {
                i++; // fill byte
                continue;
            }

            if (code == EndOfImage)
            {
                return true;
            }

            if (code is 0x01 or (>= 0xD0 and <= 0xD7))
            {
                i += 2; // markers without a length
                continue;
            }

            if (i + 3 >= jpeg.Length)
            {
                return false;
            }

            int length = (jpeg[i + 2] << 8) | jpeg[i + 3];
            if (length < 2)
            {
                return false;
            }

            i += 2 + length;
            if (code == StartOfScan)
            {
                i = SkipEntropyCodedData(jpeg, i);
            }
        }

        return false;
    }

    /// <summary>Returns the index of the first marker after a scan (FF followed by neither 00 nor a restart code).</summary>
    private static int SkipEntropyCodedData(ReadOnlySpan<byte> jpeg, int i)
    {
        while (i + 1 < jpeg.Length)
        {
            int next = jpeg[i..].IndexOf(Marker);
            if (next < 0)
            {
                return jpeg.Length;
            }

            i += next;
            if (i + 1 >= jpeg.Length)
            {
                return jpeg.Length;
            }

            byte code = jpeg[i + 1];
            if (code == 0x00 || code is >= 0xD0 and <= 0xD7)
            {
                i += 2;
                continue;
            }

            return i;
        }

        return jpeg.Length;
    }

    /// <summary>A GIF must hold its first image's data up to the sub-block terminator (only frame 1 is used).</summary>
    internal static bool GifHoldsFirstFrame(ReadOnlySpan<byte> gif)
    {
        const int HeaderAndScreen = 13;
        if (gif.Length < HeaderAndScreen)
        {
            return false;
        }

        int i = HeaderAndScreen + ColorTableLength(gif[10]);
        while (i < gif.Length)
        {
            switch (gif[i])
            {
                case 0x21: // extension: label, then sub-blocks
                    i = SkipSubBlocks(gif, i + 2);
                    break;
                case 0x2C: // image descriptor, local colour table, LZW code size, then the image's sub-blocks
                    if (i + 10 > gif.Length)
                    {
                        return false;
                    }

                    i += 10 + ColorTableLength(gif[i + 9]) + 1;
                    return SkipSubBlocks(gif, i) <= gif.Length;
                default: // trailer or something unexpected: leave the verdict to the decoder
                    return true;
            }
        }

        return false;

        static int ColorTableLength(byte flags) => (flags & 0x80) != 0 ? 3 * (1 << ((flags & 7) + 1)) : 0;
    }

    /// <summary>Returns the index after a chain of GIF sub-blocks, or past the end when the chain is cut.</summary>
    private static int SkipSubBlocks(ReadOnlySpan<byte> gif, int i)
    {
        while (i < gif.Length)
        {
            int size = gif[i];
            i++;
            if (size == 0)
            {
                return i;
            }

            i += size;
        }

        return gif.Length + 1;
    }

    /// <summary>A WebP (RIFF) file must hold the payload its RIFF header announces.</summary>
    internal static bool WebpHoldsRiffPayload(ReadOnlySpan<byte> webp) =>
        webp.Length >= 12 && webp.Length - 8 >= (long)BinaryPrimitives.ReadUInt32LittleEndian(webp[4..]);

    /// <summary>An uncompressed BMP must hold every row its header announces (RLE-compressed ones are left to the decoder).</summary>
    internal static bool BmpHoldsPixelData(ReadOnlySpan<byte> bmp)
    {
        if (bmp.Length < 26)
        {
            return false;
        }

        long pixelOffset = BinaryPrimitives.ReadUInt32LittleEndian(bmp[10..]);
        uint headerSize = BinaryPrimitives.ReadUInt32LittleEndian(bmp[14..]);
        long width, height;
        int bitsPerPixel;
        if (headerSize == 12)
        {
            width = BinaryPrimitives.ReadUInt16LittleEndian(bmp[18..]);
            height = BinaryPrimitives.ReadUInt16LittleEndian(bmp[20..]);
            bitsPerPixel = BinaryPrimitives.ReadUInt16LittleEndian(bmp[24..]);
        }
        else
        {
            if (bmp.Length < 34)
            {
                return false;
            }

            uint compression = BinaryPrimitives.ReadUInt32LittleEndian(bmp[30..]);
            if (compression is not (0 or 3 or 6))
            {
                return true; // RLE, JPEG or PNG inside a BMP: sizes are not predictable from the header
            }

            width = Math.Abs((long)BinaryPrimitives.ReadInt32LittleEndian(bmp[18..]));
            height = Math.Abs((long)BinaryPrimitives.ReadInt32LittleEndian(bmp[22..]));
            bitsPerPixel = BinaryPrimitives.ReadUInt16LittleEndian(bmp[28..]);
        }

        long stride = ((width * bitsPerPixel) + 31) / 32 * 4;
        return bmp.Length >= pixelOffset + (stride * height);
    }
}

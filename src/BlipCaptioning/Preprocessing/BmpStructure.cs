using System.Buffers.Binary;
using System.Globalization;
using BlipCaptioning.Errors;

namespace BlipCaptioning.Preprocessing;

/// <summary>
/// Checks a BMP's headers before ImageSharp reads them: a bit depth BMP defines (1, 2, 4, 8, 16, 24 or 32; others
/// crash ImageSharp 2.1), a size ImageSharp decodes (1 to 65,535 pixels each way), a pixel data offset inside the
/// file (ImageSharp sizes the palette array up to it), and for uncompressed pixels every row the header announces (PIL refuses a cut file; ImageSharp would fill it). RLE-compressed rows are left to the
/// decoder, whose work is bounded by the pixel count.
/// </summary>
internal static class BmpStructure
{
    private const string Format = "BMP";
    private const int LargestSide = 65535;

    public static ImageStructure Scan(ReadOnlyMemory<byte> data)
    {
        ReadOnlySpan<byte> bmp = data.Span;
        if (bmp.Length < 26)
        {
            throw Truncated(bmp.Length, "its headers");
        }

        long pixelOffset = BinaryPrimitives.ReadUInt32LittleEndian(bmp[10..]);
        uint headerSize = BinaryPrimitives.ReadUInt32LittleEndian(bmp[14..]);
        long width, height;
        int bitsPerPixel;
        uint compression = 0;
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
                throw Truncated(bmp.Length, "its headers");
            }

            width = BinaryPrimitives.ReadInt32LittleEndian(bmp[18..]);
            height = Math.Abs((long)BinaryPrimitives.ReadInt32LittleEndian(bmp[22..])); // negative: rows top to bottom
            bitsPerPixel = BinaryPrimitives.ReadUInt16LittleEndian(bmp[28..]);
            compression = BinaryPrimitives.ReadUInt32LittleEndian(bmp[30..]);
        }

        if (bitsPerPixel is not (1 or 2 or 4 or 8 or 16 or 24 or 32))
        {
            throw new UnsupportedImageException(string.Create(CultureInfo.InvariantCulture,
                $"The BMP image uses {bitsPerPixel} bits per pixel; BMP images have 1, 2, 4, 8, 16, 24 or 32. The file is damaged or not a real BMP."));
        }

        if (width is < 1 or > LargestSide || height is < 1 or > LargestSide)
        {
            throw new UnsupportedImageException(string.Create(CultureInfo.InvariantCulture,
                $"The BMP image's header gives a size of {width:N0} x {height:N0} pixels; BMP images are decoded from 1 to {LargestSide:N0} pixels each way. Convert it to PNG or JPEG."));
        }

        // ImageSharp 2.1 allocates the palette with new byte[] (outside its capped allocator), at most up to the pixel
        // offset: a 56-byte file whose offset said 2 GB cost a 2 GB array (found by the fuzzer).
        if (pixelOffset > bmp.Length)
        {
            throw ImageStructure.Damaged(Format, string.Create(CultureInfo.InvariantCulture,
                $"its pixel data is said to start at byte {pixelOffset:N0}, past the end of its {bmp.Length:N0} bytes"));
        }

        if (compression is 0 or 3 or 6) // uncompressed rows (RGB, BITFIELDS, ALPHABITFIELDS)
        {
            long stride = ((width * bitsPerPixel) + 31) / 32 * 4;
            if (bmp.Length < pixelOffset + (stride * height))
            {
                throw Truncated(bmp.Length, "the image data its header announces");
            }
        }

        return new ImageStructure(data, null);
    }

    private static UnsupportedImageException Truncated(int length, string where) => ImageStructure.Truncated(Format, length, where);
}

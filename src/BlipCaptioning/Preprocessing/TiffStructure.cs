using System.Buffers.Binary;
using BlipCaptioning.Errors;

namespace BlipCaptioning.Preprocessing;

/// <summary>
/// TIFF (only with <see cref="ImageLoadingOptions.EnableTiff"/>): the first directory (IFD0, the frame that is
/// decoded) must be inside the file and must not use JPEG compression. ImageSharp 2.1 decodes a JPEG-compressed
/// TIFF strip with <c>Image.Load</c> and its default configuration (every format, no allocation limit, no
/// cancellation): a 540-byte TIFF whose strip is that TIFF again recursed until the process died of a stack overflow
/// (found by the fuzzer). Otherwise ImageSharp's own reader bounds the directories (it refuses loops and too many),
/// and its decoder stops at the first frame and observes cancellation between strips.
/// </summary>
/// <remarks>
/// A TIFF's Orientation tag is not applied: ImageSharp never did, and PIL 9.4 is no reference here (it swaps the size
/// of an oriented TIFF when opening it and <c>exif_transpose</c> then turns it again).
/// </remarks>
internal static class TiffStructure
{
    private const string Format = "TIFF";
    private const ushort CompressionTag = 259;

    public static ImageStructure Scan(ReadOnlyMemory<byte> data)
    {
        ReadOnlySpan<byte> tiff = data.Span;
        if (tiff.Length < 8)
        {
            throw ImageStructure.Truncated(Format, tiff.Length, "its header");
        }

        bool little = tiff[0] == (byte)'I';
        bool big = Read16(tiff[2..], little) == 43; // BigTIFF: 8-byte offsets and counts, 20-byte entries
        long ifd = big ? (tiff.Length >= 16 ? (long)Read64(tiff[8..], little) : -1) : Read32(tiff[4..], little);
        int countSize = big ? 8 : 2, entrySize = big ? 20 : 12, valueAt = big ? 12 : 8;
        if (ifd < 8 || ifd > tiff.Length - countSize)
        {
            throw ImageStructure.Damaged(Format, "its first directory lies outside the file");
        }

        // Entries past the end of the file hold nothing a decoder could read, so the walk stops there.
        ulong entries = Math.Min(
            big ? Read64(tiff[(int)ifd..], little) : Read16(tiff[(int)ifd..], little),
            (ulong)((tiff.Length - ifd - countSize) / entrySize));
        for (int e = 0; e < (int)entries; e++)
        {
            ReadOnlySpan<byte> entry = tiff.Slice((int)ifd + countSize + (e * entrySize), entrySize);
            if (Read16(entry, little) != CompressionTag)
            {
                continue;
            }

            ushort type = Read16(entry[2..], little);
            ulong count = big ? Read64(entry[4..], little) : Read32(entry[4..], little);
            long compression = type switch
            {
                3 when count == 1 => Read16(entry[valueAt..], little),
                4 when count == 1 => Read32(entry[valueAt..], little),
                _ => -1,
            };
            if (compression is -1 or 6 or 7)
            {
                throw new UnsupportedImageException(
                    "The TIFF image uses JPEG compression (or a compression tag that is not a single number), which is not decoded here: " +
                    "ImageSharp 2.1 decodes JPEG inside TIFF without any of its limits. Convert it to a JPEG or PNG file.");
            }
        }

        return new ImageStructure(data, OrientationTag: null);
    }

    private static ushort Read16(ReadOnlySpan<byte> bytes, bool little) =>
        little ? BinaryPrimitives.ReadUInt16LittleEndian(bytes) : BinaryPrimitives.ReadUInt16BigEndian(bytes);

    private static uint Read32(ReadOnlySpan<byte> bytes, bool little) =>
        little ? BinaryPrimitives.ReadUInt32LittleEndian(bytes) : BinaryPrimitives.ReadUInt32BigEndian(bytes);

    private static ulong Read64(ReadOnlySpan<byte> bytes, bool little) =>
        little ? BinaryPrimitives.ReadUInt64LittleEndian(bytes) : BinaryPrimitives.ReadUInt64BigEndian(bytes);
}

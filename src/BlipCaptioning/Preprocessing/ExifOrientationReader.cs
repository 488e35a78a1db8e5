using System.Buffers.Binary;

namespace BlipCaptioning.Preprocessing;

/// <summary>
/// Reads the Orientation tag (0x0112) from the first directory (IFD0) of EXIF data, which is a small TIFF file, the
/// way PIL 9.4 does for <c>ImageOps.exif_transpose</c>: an integer tag with exactly one value counts; a tag of another
/// type, with another count, or whose data lies outside the bytes is skipped (PIL warns and skips it too), and the
/// last of repeated tags wins. Nothing is allocated and at most the 12-byte entries of one directory are visited.
/// </summary>
internal static class ExifOrientationReader
{
    private const ushort OrientationTag = 0x0112;
    private const int EntrySize = 12;

    /// <summary>The orientation to apply: the tag's value when it is 1 to 8, otherwise 1 (stored upright).</summary>
    public static int OrientationOf(int? tagValue) => tagValue is >= 1 and <= 8 ? tagValue.Value : 1;

    /// <summary>The tag's value in EXIF data that may start with the "Exif\0\0" header of JPEG and WebP; null when absent or unreadable.</summary>
    public static int? ReadFromExif(ReadOnlySpan<byte> exif) =>
        ReadFromTiff(exif.StartsWith("Exif\0\0"u8) ? exif[6..] : exif);

    /// <summary>The tag's value in IFD0 of classic TIFF-structured data; null when absent or unreadable.</summary>
    public static int? ReadFromTiff(ReadOnlySpan<byte> tiff)
    {
        if (tiff.Length < 8)
        {
            return null;
        }

        bool little;
        if (tiff.StartsWith("II*\0"u8))
        {
            little = true;
        }
        else if (tiff.StartsWith("MM\0*"u8))
        {
            little = false;
        }
        else
        {
            return null; // not TIFF, or BigTIFF (which EXIF never is)
        }

        long ifd = ReadUInt32(tiff[4..], little);
        if (ifd > tiff.Length - 2)
        {
            return null;
        }

        int count = ReadUInt16(tiff[(int)ifd..], little);
        int? orientation = null;
        for (int entry = 0; entry < count; entry++)
        {
            long at = ifd + 2 + ((long)entry * EntrySize);
            if (at + EntrySize > tiff.Length)
            {
                break; // a cut directory: keep what was read
            }

            ReadOnlySpan<byte> e = tiff.Slice((int)at, EntrySize);
            if (ReadUInt16(e, little) != OrientationTag)
            {
                continue;
            }

            int type = ReadUInt16(e[2..], little);
            uint values = ReadUInt32(e[4..], little);
            orientation = values == 1 ? InlineInteger(e[8..], type, little) : null;
        }

        return orientation;
    }

    // A single value of an integer type fits in the entry's 4-byte value field.
    private static int? InlineInteger(ReadOnlySpan<byte> field, int type, bool little) => type switch
    {
        1 => field[0],                                  // BYTE
        6 => (sbyte)field[0],                           // SBYTE
        3 => ReadUInt16(field, little),                 // SHORT
        8 => (short)ReadUInt16(field, little),          // SSHORT
        4 => (int)Math.Min(ReadUInt32(field, little), int.MaxValue), // LONG
        9 => (int)ReadUInt32(field, little),            // SLONG
        _ => null,
    };

    private static ushort ReadUInt16(ReadOnlySpan<byte> bytes, bool little) =>
        little ? BinaryPrimitives.ReadUInt16LittleEndian(bytes) : BinaryPrimitives.ReadUInt16BigEndian(bytes);

    private static uint ReadUInt32(ReadOnlySpan<byte> bytes, bool little) =>
        little ? BinaryPrimitives.ReadUInt32LittleEndian(bytes) : BinaryPrimitives.ReadUInt32BigEndian(bytes);
}

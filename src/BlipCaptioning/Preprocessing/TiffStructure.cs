using System.Buffers.Binary;
using BlipCaptioning.Errors;

namespace BlipCaptioning.Preprocessing;

/// <summary>
/// TIFF (only with <see cref="ImageLoadingOptions.EnableTiff"/>): the first directory (IFD0, the frame that is
/// decoded) must be inside the file, its strips or tiles too, and it must not use JPEG compression; BigTIFF is refused. ImageSharp 2.1 decodes a JPEG-compressed
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
    private const ushort StripOffsets = 273;
    private const ushort StripByteCounts = 279;
    private const ushort TileOffsets = 324;
    private const ushort TileByteCounts = 325;

    public static ImageStructure Scan(ReadOnlyMemory<byte> data)
    {
        ReadOnlySpan<byte> tiff = data.Span;
        if (tiff.Length < 8)
        {
            throw ImageStructure.Truncated(Format, tiff.Length, "its header");
        }

        bool little = tiff[0] == (byte)'I';
        if (Read16(tiff[2..], little) != 42)
        {
            // ImageSharp 2.1 reads a BigTIFF directory's 64-bit entry count in a loop that never checks the end of the
            // file: a 100-byte BigTIFF claiming 2^60 entries spun forever, beyond any budget (found by the fuzzer).
            throw new UnsupportedImageException(
                "BigTIFF files are not accepted: the format is meant for images far larger than this service takes. Save the image as a classic TIFF, PNG or JPEG.");
        }

        const int countSize = 2, entrySize = 12, valueAt = 8;
        long ifd = Read32(tiff[4..], little);
        if (ifd < 8 || ifd > tiff.Length - countSize)
        {
            throw ImageStructure.Damaged(Format, "its first directory lies outside the file");
        }

        // Entries past the end of the file hold nothing a decoder could read, so the walk stops there.
        int entries = (int)Math.Min(Read16(tiff[(int)ifd..], little), (tiff.Length - ifd - countSize) / entrySize);
        var layout = new Layout(tiff, little);
        for (int e = 0; e < entries; e++)
        {
            ReadOnlySpan<byte> entry = tiff.Slice((int)ifd + countSize + (e * entrySize), entrySize);
            ushort tag = Read16(entry, little);
            if (tag is StripOffsets or StripByteCounts or TileOffsets or TileByteCounts)
            {
                layout.Add(tag, entry);
                continue;
            }

            if (tag != CompressionTag)
            {
                continue;
            }

            ushort type = Read16(entry[2..], little);
            uint count = Read32(entry[4..], little);
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

        layout.ThrowIfOutsideTheFile();
        return new ImageStructure(data, OrientationTag: null);
    }

    /// <summary>
    /// The strips or tiles of the decoded directory: each must lie inside the file. ImageSharp 2.1 sizes its work by
    /// the byte counts, not by what the file holds: a 513-byte TIFF whose one CCITT strip claimed 51 MB at an offset
    /// past the end took 4 s of CPU in one uninterruptible step (found by the fuzzer).
    /// </summary>
    private ref struct Layout(ReadOnlySpan<byte> tiff, bool little)
    {
        private readonly ReadOnlySpan<byte> _tiff = tiff;
        private ReadOnlySpan<byte> _stripOffsets, _stripCounts, _tileOffsets, _tileCounts;
        private int _stripOffsetSize, _stripCountSize, _tileOffsetSize, _tileCountSize;

        public void Add(ushort tag, ReadOnlySpan<byte> entry)
        {
            ushort type = Read16(entry[2..], little);
            uint count = Read32(entry[4..], little);
            int size = type switch { 3 => 2, 4 => 4, _ => 0 };
            if (size == 0 || count == 0 || count > (uint)(_tiff.Length / size))
            {
                throw ImageStructure.Damaged(Format, "its strip or tile table is not a list of offsets or byte counts");
            }

            int bytes = (int)count * size;
            ReadOnlySpan<byte> values;
            if (bytes <= 4)
            {
                values = entry.Slice(8, bytes);
            }
            else
            {
                uint at = Read32(entry[8..], little);
                if (at > (uint)(_tiff.Length - bytes))
                {
                    throw ImageStructure.Damaged(Format, "its strip or tile table lies outside the file");
                }

                values = _tiff.Slice((int)at, bytes);
            }

            switch (tag)
            {
                case StripOffsets:
                    _stripOffsets = values;
                    _stripOffsetSize = size;
                    break;
                case StripByteCounts:
                    _stripCounts = values;
                    _stripCountSize = size;
                    break;
                case TileOffsets:
                    _tileOffsets = values;
                    _tileOffsetSize = size;
                    break;
                default:
                    _tileCounts = values;
                    _tileCountSize = size;
                    break;
            }
        }

        public readonly void ThrowIfOutsideTheFile()
        {
            Check(_stripOffsets, _stripOffsetSize, _stripCounts, _stripCountSize, "strip");
            Check(_tileOffsets, _tileOffsetSize, _tileCounts, _tileCountSize, "tile");
        }

        private readonly void Check(ReadOnlySpan<byte> offsets, int offsetSize, ReadOnlySpan<byte> counts, int countSize, string what)
        {
            int pieces = offsetSize == 0 || countSize == 0 ? 0 : Math.Min(offsets.Length / offsetSize, counts.Length / countSize);
            for (int i = 0; i < pieces; i++)
            {
                ulong start = Value(offsets.Slice(i * offsetSize, offsetSize));
                ulong length = Value(counts.Slice(i * countSize, countSize));
                if (start > (ulong)_tiff.Length || length > (ulong)_tiff.Length - start)
                {
                    throw ImageStructure.Damaged(Format, string.Create(System.Globalization.CultureInfo.InvariantCulture,
                        $"its {what} {i + 1} is said to hold {length:N0} bytes at byte {start:N0}, past the end of its {_tiff.Length:N0} bytes"));
                }
            }
        }

        private readonly ulong Value(ReadOnlySpan<byte> bytes) => bytes.Length == 2 ? Read16(bytes, little) : Read32(bytes, little);
    }

    private static ushort Read16(ReadOnlySpan<byte> bytes, bool little) =>
        little ? BinaryPrimitives.ReadUInt16LittleEndian(bytes) : BinaryPrimitives.ReadUInt16BigEndian(bytes);

    private static uint Read32(ReadOnlySpan<byte> bytes, bool little) =>
        little ? BinaryPrimitives.ReadUInt32LittleEndian(bytes) : BinaryPrimitives.ReadUInt32BigEndian(bytes);
}

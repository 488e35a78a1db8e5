using System.Buffers.Binary;
using System.Globalization;

namespace BlipCaptioning.Preprocessing;

/// <summary>
/// Walks a WebP's RIFF chunks within <see cref="ImageStructureLimits"/>: the payload the RIFF header announces must
/// be there (PIL refuses a cut file; ImageSharp would fill it), the first chunk must be VP8, VP8L or VP8X, every
/// chunk must end inside the RIFF payload, at most <see cref="ImageStructureLimits.MaxSegments"/> chunks and
/// <see cref="ImageStructureLimits.MaxMetadataBytes"/> in chunks that hold no pixels. The decoder gets the RIFF
/// payload only (bytes after it are not part of the image). The orientation is that of the first EXIF chunk.
/// Lossless image data (VP8L chunks, and ALPH chunks with lossless alpha) is read up to its prefix codes
/// (<see cref="WebpLosslessCodes"/>).
/// </summary>
internal static class WebpStructure
{
    private const string Format = "WEBP";
    private const int RiffHeader = 12;

    public static ImageStructure Scan(ReadOnlyMemory<byte> data, long maxPixels)
    {
        ReadOnlySpan<byte> webp = data.Span;
        long riffEnd = webp.Length >= RiffHeader ? 8L + BinaryPrimitives.ReadUInt32LittleEndian(webp[4..]) : long.MaxValue;
        if (riffEnd > webp.Length)
        {
            throw ImageStructure.Truncated(Format, webp.Length, "the image data its header announces");
        }

        var budget = new StructureBudget(Format, "RIFF chunks");
        int? orientation = null;
        bool sawExif = false;
        (int Width, int Height) frameSize = (0, 0);
        var losslessAlpha = new List<(int Start, int Length)>();
        int i = RiffHeader;
        while (i + 8 <= riffEnd)
        {
            ReadOnlySpan<byte> fourCc = webp.Slice(i, 4);
            uint size = BinaryPrimitives.ReadUInt32LittleEndian(webp[(i + 4)..]);
            if (i == RiffHeader && !(fourCc.SequenceEqual("VP8 "u8) || fourCc.SequenceEqual("VP8L"u8) || fourCc.SequenceEqual("VP8X"u8)))
            {
                throw ImageStructure.Damaged(Format, "its first chunk is not an image header (VP8, VP8L or VP8X)");
            }

            if (i + 8L + size > riffEnd)
            {
                throw ImageStructure.Damaged(Format, string.Create(CultureInfo.InvariantCulture,
                    $"a chunk at byte {i:N0} announces {size:N0} bytes, past the end of the RIFF data"));
            }

            budget.CountSegment();
            if (!(fourCc.SequenceEqual("VP8 "u8) || fourCc.SequenceEqual("VP8L"u8) || fourCc.SequenceEqual("VP8X"u8)
                  || fourCc.SequenceEqual("ALPH"u8) || fourCc.SequenceEqual("ANIM"u8) || fourCc.SequenceEqual("ANMF"u8)))
            {
                budget.CountMetadata(size);
            }

            ReadOnlySpan<byte> payload = webp.Slice(i + 8, (int)size);
            if (!sawExif && fourCc.SequenceEqual("EXIF"u8))
            {
                sawExif = true;
                orientation = ExifOrientationReader.ReadFromExif(payload);
            }
            else if (fourCc.SequenceEqual("VP8L"u8))
            {
                WebpLosslessCodes.CheckImage(payload, maxPixels);
            }
            else if (fourCc.SequenceEqual("VP8 "u8) && payload.Length >= 10)
            {
                frameSize = (BinaryPrimitives.ReadUInt16LittleEndian(payload[6..]) & 0x3FFF, BinaryPrimitives.ReadUInt16LittleEndian(payload[8..]) & 0x3FFF);
            }
            else if (fourCc.SequenceEqual("ALPH"u8) && payload.Length > 0 && (payload[0] & 3) == 1)
            {
                losslessAlpha.Add((i + 9, (int)size - 1)); // checked below, with the size of the lossy frame
            }

            i += 8 + (int)size + (int)(size & 1);
        }

        foreach ((int start, int length) in losslessAlpha)
        {
            WebpLosslessCodes.CheckAlpha(webp.Slice(start, length), frameSize.Width, frameSize.Height, maxPixels);
        }

        return new ImageStructure(data[..(int)riffEnd], orientation);
    }
}

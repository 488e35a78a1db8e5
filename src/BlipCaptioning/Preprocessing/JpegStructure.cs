using System.Globalization;
using BlipCaptioning.Errors;

namespace BlipCaptioning.Preprocessing;

/// <summary>
/// Walks a JPEG's marker segments by their lengths, skipping the entropy-coded data after each scan, within
/// <see cref="ImageStructureLimits"/>: at most <see cref="ImageStructureLimits.MaxSegments"/> segments,
/// <see cref="ImageStructureLimits.MaxJpegScans"/> scans and <see cref="ImageStructureLimits.MaxMetadataBytes"/> of
/// APPn and COM data; one frame header (SOF) before the first scan; the end-of-image marker reached (PIL refuses a
/// JPEG without it as truncated, where ImageSharp would fill the rest with gray). Data after the end-of-image
/// marker (motion photos) is allowed, and an EOI inside an embedded EXIF thumbnail does not count. The orientation
/// comes from the first APP1 segment that starts with "Exif\0", as PIL reads it.
/// </summary>
internal static class JpegStructure
{
    private const string Format = "JPEG";
    private const byte Marker = 0xFF;
    private const byte StartOfScan = 0xDA;
    private const byte EndOfImage = 0xD9;
    private const byte App1 = 0xE1;

    public static ImageStructure Scan(ReadOnlyMemory<byte> data)
    {
        ReadOnlySpan<byte> jpeg = data.Span;
        var budget = new StructureBudget(Format, "marker segments");
        int scans = 0;
        bool sawFrame = false;
        bool sawExif = false;
        int? orientation = null;
        int i = 2; // after SOI (FF D8), which format detection has already seen
        while (i + 1 < jpeg.Length)
        {
            if (jpeg[i] != Marker)
            {
                i++; // stray bytes between segments: libjpeg skips them with a warning, so do we
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
                return new ImageStructure(data, orientation);
            }

            if (code is 0x00 or 0x01 or (>= 0xD0 and <= 0xD7))
            {
                i += 2; // a stuffed byte out of place, TEM and RSTn have no length
                continue;
            }

            if (i + 3 >= jpeg.Length)
            {
                break;
            }

            int length = (jpeg[i + 2] << 8) | jpeg[i + 3];
            if (length < 2)
            {
                throw ImageStructure.Damaged(Format, string.Create(CultureInfo.InvariantCulture, $"the segment of marker FF{code:X2} at byte {i:N0} announces a length of {length}"));
            }

            int end = i + 2 + length;
            if (end > jpeg.Length)
            {
                break;
            }

            budget.CountSegment();
            ReadOnlySpan<byte> payload = jpeg.Slice(i + 4, length - 2);
            if (IsStartOfFrame(code))
            {
                if (sawFrame)
                {
                    throw ImageStructure.Damaged(Format, "it has more than one frame header (SOF marker); only single-frame JPEGs are decoded");
                }

                sawFrame = true;
            }
            else if (code == StartOfScan)
            {
                if (!sawFrame)
                {
                    throw ImageStructure.Damaged(Format, "a scan starts before the frame header (SOF marker) that gives the image's size and components");
                }

                if (++scans > ImageStructureLimits.MaxJpegScans)
                {
                    throw new UnsupportedImageException(string.Create(CultureInfo.InvariantCulture,
                        $"The JPEG image has more than {ImageStructureLimits.MaxJpegScans:N0} scans, the limit for any JPEG (encoders write at most a few dozen); it is damaged or made to slow decoders down."));
                }

                i = SkipEntropyCodedData(jpeg, end);
                continue;
            }
            else if (code is (>= 0xE0 and <= 0xEF) or 0xFE)
            {
                budget.CountMetadata(payload.Length);
                if (code == App1 && !sawExif && payload.StartsWith("Exif\0"u8))
                {
                    sawExif = true;
                    orientation = ExifOrientationReader.ReadFromExif(payload);
                }
            }

            i = end;
        }

        throw ImageStructure.Truncated(Format, jpeg.Length, "the end-of-image marker");
    }

    /// <summary>SOF0-SOF15 except DHT (C4), JPG (C8) and DAC (CC).</summary>
    private static bool IsStartOfFrame(byte code) => code is >= 0xC0 and <= 0xCF and not (0xC4 or 0xC8 or 0xCC);

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
}

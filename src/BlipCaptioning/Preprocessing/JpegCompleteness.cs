namespace BlipCaptioning.Preprocessing;

/// <summary>
/// Tells whether a JPEG reaches its end-of-image marker. ImageSharp 2.1 decodes a truncated JPEG without complaint
/// (the missing part comes out gray), whereas PIL (and so transformers) raises "image file is truncated"; we refuse
/// it too. The walk follows the marker segments by their lengths and skips entropy-coded data after each SOS, so an
/// EOI inside an embedded EXIF thumbnail does not count, and data appended after the EOI (motion photos) is allowed.
/// </summary>
internal static class JpegCompleteness
{
    private const byte Marker = 0xFF;
    private const byte StartOfScan = 0xDA;
    private const byte EndOfImage = 0xD9;

    public static bool ReachesEndOfImage(ReadOnlySpan<byte> jpeg)
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
}

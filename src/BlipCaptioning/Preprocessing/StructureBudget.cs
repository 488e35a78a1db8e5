using System.Globalization;
using BlipCaptioning.Errors;

namespace BlipCaptioning.Preprocessing;

/// <summary>Counts segments and metadata bytes during one structure walk against <see cref="ImageStructureLimits"/>.</summary>
internal sealed class StructureBudget(string format, string segmentNoun)
{
    private int _segments;
    private long _metadataBytes;

    /// <summary>Counts one segment (chunk, block); refuses the image past <see cref="ImageStructureLimits.MaxSegments"/>.</summary>
    public void CountSegment()
    {
        if (++_segments > ImageStructureLimits.MaxSegments)
        {
            throw new UnsupportedImageException(string.Create(CultureInfo.InvariantCulture,
                $"The {format} image has more than {ImageStructureLimits.MaxSegments:N0} {segmentNoun}, the limit for any image (images have a few dozen); it is damaged or made to slow decoders down."));
        }
    }

    /// <summary>Counts bytes that hold no pixels; refuses the image past <see cref="ImageStructureLimits.MaxMetadataBytes"/>.</summary>
    public void CountMetadata(long bytes)
    {
        _metadataBytes += bytes;
        if (_metadataBytes > ImageStructureLimits.MaxMetadataBytes)
        {
            throw new UnsupportedImageException(string.Create(CultureInfo.InvariantCulture,
                $"The {format} image carries more than {ImageStructureLimits.MaxMetadataBytes:N0} bytes (16 MiB) of metadata (EXIF, XMP, ICC profiles, text and other data that holds no pixels), the limit for any image. Remove the metadata (for example with `exiftool -all= FILE`) and send it again."));
        }
    }
}

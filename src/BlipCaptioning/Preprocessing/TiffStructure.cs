namespace BlipCaptioning.Preprocessing;

/// <summary>
/// TIFF (only with <see cref="ImageLoadingOptions.EnableTiff"/>): ImageSharp's own reader bounds the directories
/// (it refuses loops and too many), and its decoder stops at the first frame and observes cancellation between
/// strips. The orientation is the Orientation tag of the first directory, as PIL reads it (classic TIFF; a BigTIFF's
/// orientation is not read).
/// </summary>
internal static class TiffStructure
{
    public static ImageStructure Scan(ReadOnlyMemory<byte> data) =>
        new(data, ExifOrientationReader.ReadFromTiff(data.Span));
}

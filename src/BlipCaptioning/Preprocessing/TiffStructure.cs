namespace BlipCaptioning.Preprocessing;

/// <summary>
/// TIFF (only with <see cref="ImageLoadingOptions.EnableTiff"/>): ImageSharp's own reader bounds the directories
/// (it refuses loops and too many), and its decoder stops at the first frame and observes cancellation between
/// strips. A TIFF's Orientation tag is not applied: ImageSharp never did, and PIL 9.4 is no reference here (it
/// swaps the size of an oriented TIFF when opening it and <c>exif_transpose</c> then turns it again).
/// </summary>
internal static class TiffStructure
{
    public static ImageStructure Scan(ReadOnlyMemory<byte> data) => new(data, OrientationTag: null);
}

using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Advanced;
using SixLabors.ImageSharp.PixelFormats;

namespace BlipCaptioning.Preprocessing;

/// <summary>
/// Copies decoded pixels into an upright RGB24 buffer, applying an EXIF orientation (1..8) on the way, so turning
/// the image costs no extra pass. Orientation N maps upright pixel (x, y) to a stored pixel as the EXIF standard
/// defines (the same result as PIL's <c>ImageOps.exif_transpose</c>).
/// </summary>
internal static class ExifOrientation
{
    /// <summary>Orientations 5 to 8 swap width and height.</summary>
    public static bool SwapsAxes(int orientation) => orientation is >= 5 and <= 8;

    /// <summary>Writes <paramref name="image"/> turned upright into <paramref name="destination"/> (RGB24).</summary>
    public static void CopyUpright(Image<Rgb24> image, int orientation, Span<byte> destination)
    {
        int w = image.Width;
        int h = image.Height;
        if (orientation is < 2 or > 8)
        {
            image.CopyPixelDataTo(destination);
            return;
        }

        int uprightWidth = SwapsAxes(orientation) ? h : w;
        for (int sy = 0; sy < h; sy++)
        {
            ReadOnlySpan<Rgb24> row = image.DangerousGetPixelRowMemory(sy).Span;
            for (int sx = 0; sx < w; sx++)
            {
                // Where stored pixel (sx, sy) lands in the upright image.
                (int ux, int uy) = orientation switch
                {
                    2 => (w - 1 - sx, sy),
                    3 => (w - 1 - sx, h - 1 - sy),
                    4 => (sx, h - 1 - sy),
                    5 => (sy, sx),
                    6 => (h - 1 - sy, sx),
                    7 => (h - 1 - sy, w - 1 - sx),
                    _ => (sy, w - 1 - sx), // 8
                };
                int o = ((uy * uprightWidth) + ux) * 3;
                Rgb24 p = row[sx];
                destination[o] = p.R;
                destination[o + 1] = p.G;
                destination[o + 2] = p.B;
            }
        }
    }
}

using BlipCaptioning.Preprocessing;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;

namespace BlipFunctions.Gallery;

/// <summary>
/// Turns a decoded, upright image into the gallery's thumbnail: at most <see cref="MaxSide"/> pixels on each side
/// (aspect ratio kept, never enlarged), resized with the core's PIL-exact antialiasing bicubic, written as a baseline
/// JPEG. The only encoder in the app is this one; ImageSharp is handed a <see cref="Configuration"/> with no formats
/// at all, so nothing here can decode or write anything else.
/// </summary>
public static class ThumbnailEncoder
{
    /// <summary>The longest side of a thumbnail, in pixels (grid cells are about 180 CSS pixels wide).</summary>
    public const int MaxSide = 320;

    /// <summary>JPEG quality (libjpeg's scale), with 4:2:0 chroma: about 10-25 kB for a photo.</summary>
    public const int Quality = 80;

    /// <summary>The thumbnails' media type.</summary>
    public const string ContentType = "image/jpeg";

    private static readonly SixLabors.ImageSharp.Configuration s_noFormats = new();
    private static readonly JpegEncoder s_encoder = new() { Quality = Quality, ColorType = JpegColorType.YCbCrRatio420 };

    /// <summary>The thumbnail size of a <paramref name="width"/> x <paramref name="height"/> image.</summary>
    public static (int Width, int Height) SizeFor(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (width <= MaxSide && height <= MaxSide)
        {
            return (width, height);
        }

        double scale = (double)MaxSide / Math.Max(width, height);
        return (Math.Clamp((int)Math.Round(width * scale), 1, MaxSide), Math.Clamp((int)Math.Round(height * scale), 1, MaxSide));
    }

    /// <summary>The JPEG bytes of <paramref name="image"/>'s thumbnail.</summary>
    public static byte[] Encode(LoadedImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        (int width, int height) = SizeFor(image.Width, image.Height);
        byte[] pixels = new byte[width * height * 3];
        if (width == image.Width && height == image.Height)
        {
            image.Pixels.CopyTo(pixels);
        }
        else
        {
            PilBicubicResampler.Resize(image.Pixels, image.Width, image.Height, pixels, width, height);
        }

        using Image<Rgb24> thumbnail = Image.LoadPixelData<Rgb24>(s_noFormats, pixels, width, height);
        using var jpeg = new MemoryStream();
        s_encoder.Encode(thumbnail, jpeg);
        return jpeg.ToArray();
    }
}

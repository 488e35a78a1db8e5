using System.Buffers;

namespace BlipCaptioning.Preprocessing;

/// <summary>
/// A decoded image turned upright (EXIF orientation applied) and converted to 8-bit RGB the way PIL's
/// <c>convert("RGB")</c> does. The pixels live in a pooled buffer: dispose the image when done with it.
/// </summary>
public sealed class LoadedImage : IDisposable
{
    private byte[]? _pixels;

    internal LoadedImage(byte[] pooledPixels, int width, int height, int orientation, ImageFacts facts)
    {
        _pixels = pooledPixels;
        Width = width;
        Height = height;
        Orientation = orientation;
        Facts = facts;
    }

    /// <summary>Upright width in pixels.</summary>
    public int Width { get; }

    /// <summary>Upright height in pixels.</summary>
    public int Height { get; }

    /// <summary>The EXIF orientation (1..8) that was applied; 1 when the image had none.</summary>
    public int Orientation { get; }

    /// <summary>Upright size, format name ("JPEG", "PNG", "GIF", "BMP", "WEBP", "TIFF") and encoded byte count.</summary>
    public ImageFacts Facts { get; }

    /// <summary>RGB24 pixels, rows top to bottom, <c>Width * 3</c> bytes per row, no padding.</summary>
    public ReadOnlySpan<byte> Pixels => (_pixels ?? throw new ObjectDisposedException(nameof(LoadedImage)))
        .AsSpan(0, Width * Height * 3);

    /// <summary>Returns the pixel buffer to the pool.</summary>
    public void Dispose()
    {
        byte[]? pixels = Interlocked.Exchange(ref _pixels, null);
        if (pixels is not null)
        {
            ArrayPool<byte>.Shared.Return(pixels);
        }
    }
}

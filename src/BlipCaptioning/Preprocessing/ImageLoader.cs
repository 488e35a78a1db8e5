using System.Buffers;
using System.Globalization;
using BlipCaptioning.Errors;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;

namespace BlipCaptioning.Preprocessing;

/// <summary>
/// Turns untrusted bytes into a <see cref="LoadedImage"/>: bounded read, format detection, header check of the pixel
/// count, full decode to RGB24, EXIF orientation. Every way the bytes can be wrong ends in an
/// <see cref="UnsupportedImageException"/> whose message says what was found and what is accepted.
/// </summary>
internal sealed class ImageLoader
{
    private const int ReadChunk = 81920;

    private readonly ImageLoadingOptions _options;
    private readonly ImageDecoding _decoding;

    public ImageLoader(ImageLoadingOptions options)
    {
        options.Validate();
        _options = options;
        _decoding = new ImageDecoding(options);
    }

    private string AcceptedFormats => _options.EnableTiff ? "JPEG, PNG, GIF, BMP, WebP and TIFF" : "JPEG, PNG, GIF, BMP and WebP";

    public async Task<LoadedImage> LoadAsync(Stream stream, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        (byte[] buffer, int length) = await ReadBoundedAsync(stream, cancellationToken).ConfigureAwait(false);
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            return Load(buffer, length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Decodes <paramref name="length"/> bytes of <paramref name="buffer"/> (synchronous CPU work).</summary>
    public LoadedImage Load(byte[] buffer, int length)
    {
        if (length == 0)
        {
            throw new UnsupportedImageException("The image is empty (0 bytes). Send the bytes of a JPEG, PNG, GIF, BMP or WebP file.");
        }

        if (length > _options.MaxBytes)
        {
            throw TooManyBytes(length.ToString("N0", CultureInfo.InvariantCulture));
        }

        IImageFormat format = DetectFormat(buffer, length);
        if (!EncodedImageCompleteness.IsComplete(format, buffer.AsSpan(0, length)))
        {
            string where = format is JpegFormat ? "the end-of-image marker" : "the image data its header announces";
            throw new UnsupportedImageException(string.Create(CultureInfo.InvariantCulture,
                $"The {Name(format)} image is truncated: its {length:N0} bytes end before {where}. Send the complete file."));
        }

        (int width, int height, int orientation) = IdentifyOrThrow(buffer, length, format);

        long pixels = (long)width * height;
        if (pixels > _options.MaxPixels)
        {
            throw new UnsupportedImageException(string.Create(CultureInfo.InvariantCulture,
                $"The {Name(format)} image is {width:N0} x {height:N0} = {pixels:N0} pixels, over the limit of {_options.MaxPixels:N0} pixels (MaxPixels). Scale it down before sending it."));
        }

        using Image<Rgb24> image = DecodeOrThrow(buffer, length, format);
        if (image.Width != width || image.Height != height)
        {
            throw new UnsupportedImageException(string.Create(CultureInfo.InvariantCulture,
                $"The {Name(format)} image's header says {width} x {height} but it decoded to {image.Width} x {image.Height}; the file is inconsistent."));
        }

        bool swap = ExifOrientation.SwapsAxes(orientation);
        int uprightWidth = swap ? height : width;
        int uprightHeight = swap ? width : height;
        byte[] pixelsBuffer = ArrayPool<byte>.Shared.Rent(checked(width * height * 3));
        try
        {
            ExifOrientation.CopyUpright(image, orientation, pixelsBuffer.AsSpan(0, width * height * 3));
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(pixelsBuffer);
            throw;
        }

        var facts = new ImageFacts(uprightWidth, uprightHeight, Name(format), length);
        return new LoadedImage(pixelsBuffer, uprightWidth, uprightHeight, orientation, facts);
    }

    private IImageFormat DetectFormat(byte[] buffer, int length)
    {
        ReadOnlySpan<byte> bytes = buffer.AsSpan(0, length);
        IImageFormat? format = Image.DetectFormat(_decoding.Identify, bytes);
        if (format is not null)
        {
            return format;
        }

        if (!_options.EnableTiff && Image.DetectFormat(_decoding.TiffProbe, bytes) is not null)
        {
            throw new UnsupportedImageException("TIFF images are not accepted here (EnableTiff is off). Convert the image to JPEG or PNG, or enable TIFF (the EnableTiff setting; --tiff for blip preprocess).");
        }

        throw new UnsupportedImageException(
            $"The data is not an image in a supported format ({AcceptedFormats}); {DescribeStart(bytes)}.");
    }

    private (int Width, int Height, int Orientation) IdentifyOrThrow(byte[] buffer, int length, IImageFormat format)
    {
        IImageInfo? info;
        try
        {
            using var stream = new MemoryStream(buffer, 0, length, writable: false);
            info = Image.Identify(_decoding.Identify, stream);
        }
        catch (Exception ex) when (IsDecoderFailure(ex))
        {
            throw Unreadable(format, ex);
        }

        if (info is null || info.Width <= 0 || info.Height <= 0)
        {
            throw new UnsupportedImageException($"The {Name(format)} image's header could not be read; the file is damaged or truncated.");
        }

        int orientation = 1;
        if (info.Metadata.ExifProfile?.GetValue(ExifTag.Orientation) is { } tag && tag.Value is >= 1 and <= 8)
        {
            orientation = tag.Value;
        }

        return (info.Width, info.Height, orientation);
    }

    private Image<Rgb24> DecodeOrThrow(byte[] buffer, int length, IImageFormat format)
    {
        try
        {
            using var stream = new MemoryStream(buffer, 0, length, writable: false);
            return Image.Load<Rgb24>(_decoding.Decode, stream);
        }
        catch (Exception ex) when (IsDecoderFailure(ex))
        {
            throw Unreadable(format, ex);
        }
    }

    /// <summary>What ImageSharp throws for bad data, over-limit allocations and unsupported variants.</summary>
    private static bool IsDecoderFailure(Exception ex) => ex is ImageFormatException
        or InvalidMemoryOperationException
        or NotSupportedException
        or EndOfStreamException
        or InvalidDataException
        or IndexOutOfRangeException
        or ArgumentException
        or OverflowException;

    private static UnsupportedImageException Unreadable(IImageFormat format, Exception ex) => ex is InvalidMemoryOperationException
        ? new UnsupportedImageException($"The {Name(format)} image needs more memory to decode than the limit allows; it is too large or malformed.", ex)
        : new UnsupportedImageException($"The {Name(format)} image could not be decoded; it is damaged, truncated or uses an unsupported variant ({ex.Message}).", ex);

    private UnsupportedImageException TooManyBytes(string found) => new(string.Create(CultureInfo.InvariantCulture,
        $"The image is {found} bytes, over the limit of {_options.MaxBytes:N0} bytes (MaxBytes). Send a smaller or more compressed image."));

    /// <summary>The format's name as <see cref="ImageFacts.Format"/> reports it: "JPEG", "PNG", "GIF", "BMP", "WEBP", "TIFF".</summary>
    private static string Name(IImageFormat format) => format.Name.ToUpperInvariant();

    /// <summary>Says what the first bytes look like, so a person can tell text or HTML from a broken image.</summary>
    private static string DescribeStart(ReadOnlySpan<byte> bytes)
    {
        ReadOnlySpan<byte> head = bytes[..Math.Min(bytes.Length, 16)];
        bool text = true;
        foreach (byte b in head)
        {
            text &= b is (>= 0x20 and < 0x7F) or (byte)'\n' or (byte)'\r' or (byte)'\t';
        }

        string hex = Convert.ToHexString(head[..Math.Min(head.Length, 8)]);
        return text
            ? $"it starts like text (\"{System.Text.Encoding.ASCII.GetString(head).ReplaceLineEndings(" ")}\")"
            : $"it starts with the bytes {hex} ({bytes.Length:N0} bytes in all)";
    }

    /// <summary>Reads the whole stream into a pooled buffer, refusing as soon as it passes <see cref="ImageLoadingOptions.MaxBytes"/>.</summary>
    private async Task<(byte[] Buffer, int Length)> ReadBoundedAsync(Stream stream, CancellationToken cancellationToken)
    {
        long max = _options.MaxBytes;
        int initial = ReadChunk;
        if (stream.CanSeek)
        {
            long remaining = stream.Length - stream.Position;
            if (remaining > max)
            {
                throw TooManyBytes(remaining.ToString("N0", CultureInfo.InvariantCulture));
            }

            initial = (int)Math.Max(remaining + 1, 1);
        }

        byte[] buffer = ArrayPool<byte>.Shared.Rent(initial);
        int length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    byte[] larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, max + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                int read = await stream.ReadAsync(buffer.AsMemory(length, (int)Math.Min(buffer.Length - length, max + 1 - length)), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    return (buffer, length);
                }

                length += read;
                if (length > max)
                {
                    throw TooManyBytes(string.Create(CultureInfo.InvariantCulture, $"more than {max:N0}"));
                }
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }
}

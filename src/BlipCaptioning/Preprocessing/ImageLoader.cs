using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using BlipCaptioning.Errors;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.PixelFormats;

namespace BlipCaptioning.Preprocessing;

/// <summary>
/// Turns untrusted bytes into a <see cref="LoadedImage"/>: bounded read, format detection, a walk over the container
/// structure within <see cref="ImageStructureLimits"/> (which also finds the EXIF orientation), header check of the
/// pixel count, full decode to RGB24 and the EXIF orientation, all within <see cref="ImageLoadingOptions.DecodeTimeout"/>.
/// Every way the bytes can be wrong, including any exception the decoder throws on them, ends in an
/// <see cref="UnsupportedImageException"/> whose message says what was found and what is accepted.
/// </summary>
/// <remarks>
/// ImageSharp runs with metadata reading switched off: the orientation is the only metadata used, and our own
/// structure walk reads it within budgets, so no EXIF, XMP, ICC or text parser of the decoder ever sees the bytes.
/// The caller's token and the time budget reach the decoder: ImageSharp's JPEG and TIFF decoders check the token
/// between markers and rows, the others stop at their next read of the input (<see cref="CancellableReadStream"/>).
/// A decoder call cannot be interrupted between two of those points; the structure limits, the pixel limit and the
/// byte limit bound what one such step can cost.
/// </remarks>
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
            return Load(buffer, length, cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Decodes <paramref name="length"/> bytes of <paramref name="buffer"/> (synchronous CPU work) within
    /// <see cref="ImageLoadingOptions.DecodeTimeout"/>. The buffer is not changed.
    /// </summary>
    /// <exception cref="UnsupportedImageException">The bytes are not an acceptable image, or took longer than the budget.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public LoadedImage Load(byte[] buffer, int length, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (length == 0)
        {
            throw new UnsupportedImageException("The image is empty (0 bytes). Send the bytes of a JPEG, PNG, GIF, BMP or WebP file.");
        }

        if (length > _options.MaxBytes)
        {
            throw TooManyBytes(length.ToString("N0", CultureInfo.InvariantCulture));
        }

        IImageFormat format = DetectFormat(buffer, length);
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(_options.DecodeTimeout);
        try
        {
            return Decode(new ArraySegment<byte>(buffer, 0, length), format, budget.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new UnsupportedImageException(string.Create(CultureInfo.InvariantCulture,
                $"Decoding the {Name(format)} image took longer than its budget of {_options.DecodeTimeout.TotalSeconds:0.###} s (DecodeTimeout) and was stopped: the file is made to be slow to decode, or the machine is overloaded. Send it as a baseline JPEG or a PNG."));
        }
    }

    private LoadedImage Decode(ArraySegment<byte> bytes, IImageFormat format, CancellationToken cancellationToken)
    {
        ImageStructure structure = format switch
        {
            JpegFormat => JpegStructure.Scan(bytes),
            PngFormat => PngStructure.Scan(bytes),
            GifFormat => GifStructure.Scan(bytes, _options.MaxPixels),
            WebpFormat => WebpStructure.Scan(bytes, _options.MaxPixels),
            BmpFormat => BmpStructure.Scan(bytes),
            TiffFormat => TiffStructure.Scan(bytes),
            _ => throw new InvalidOperationException($"No structure walk for {format.Name}: register one with its decoder."),
        };
        cancellationToken.ThrowIfCancellationRequested();
        if (!MemoryMarshal.TryGetArray(structure.DecoderInput, out ArraySegment<byte> input))
        {
            throw new InvalidOperationException("The structure walk returned bytes that are not an array segment.");
        }

        IImageDecoder decoder = _decoding.Decode.ImageFormatsManager.FindDecoder(format);
        IImageInfo? info = CallDecoder(format, () =>
        {
            using var stream = new CancellableReadStream(input, cancellationToken);
            return ((IImageInfoDetector)decoder).Identify(_decoding.Decode, stream, cancellationToken);
        });
        if (info is null || info.Width <= 0 || info.Height <= 0)
        {
            throw new UnsupportedImageException($"The {Name(format)} image's header could not be read; the file is damaged or truncated.");
        }

        int width = info.Width;
        int height = info.Height;
        long pixels = (long)width * height;
        if (pixels > _options.MaxPixels)
        {
            throw new UnsupportedImageException(string.Create(CultureInfo.InvariantCulture,
                $"The {Name(format)} image is {width:N0} x {height:N0} = {pixels:N0} pixels, over the limit of {_options.MaxPixels:N0} pixels (MaxPixels). Scale it down before sending it."));
        }

        if (width > ImageStructureLimits.MaxSide || height > ImageStructureLimits.MaxSide)
        {
            throw new UnsupportedImageException(string.Create(CultureInfo.InvariantCulture,
                $"The {Name(format)} image is {width:N0} x {height:N0} pixels; images are accepted up to {ImageStructureLimits.MaxSide:N0} pixels on each side (resizing a longer one costs too much). Crop or scale it before sending it."));
        }

        using Image<Rgb24> image = CallDecoder(format, () =>
        {
            using var stream = new CancellableReadStream(input, cancellationToken);
            return decoder.Decode<Rgb24>(_decoding.Decode, stream, cancellationToken);
        });
        if (image.Width != width || image.Height != height)
        {
            throw new UnsupportedImageException(string.Create(CultureInfo.InvariantCulture,
                $"The {Name(format)} image's header says {width} x {height} but it decoded to {image.Width} x {image.Height}; the file is inconsistent."));
        }

        cancellationToken.ThrowIfCancellationRequested();
        int orientation = structure.Orientation;
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

        var facts = new ImageFacts(uprightWidth, uprightHeight, Name(format), bytes.Count);
        return new LoadedImage(pixelsBuffer, uprightWidth, uprightHeight, orientation, facts);
    }

    private IImageFormat DetectFormat(byte[] buffer, int length)
    {
        ReadOnlySpan<byte> bytes = buffer.AsSpan(0, length);
        IImageFormat? format = Image.DetectFormat(_decoding.Decode, bytes);
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

    /// <summary>
    /// Runs a decoder call; whatever it throws on the bytes (ImageSharp 2.1 also throws NullReferenceException,
    /// DivideByZeroException, InvalidOperationException and others on malformed data) becomes an
    /// <see cref="UnsupportedImageException"/>. Only cancellation passes through.
    /// </summary>
    internal static T CallDecoder<T>(IImageFormat format, Func<T> decoderCall)
    {
        try
        {
            return decoderCall();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw Unreadable(format, ex);
        }
    }

    private static UnsupportedImageException Unreadable(IImageFormat format, Exception ex) => ex switch
    {
        InvalidMemoryOperationException or InvalidImageContentException { InnerException: InvalidMemoryOperationException } or OutOfMemoryException =>
            new UnsupportedImageException($"The {Name(format)} image needs more memory to decode than the limit allows; it is too large or malformed.", ex),
        ImageFormatException or NotSupportedException or InvalidDataException or EndOfStreamException =>
            new UnsupportedImageException($"The {Name(format)} image could not be decoded; it is damaged, truncated or uses an unsupported variant ({ex.Message}).", ex),
        _ => new UnsupportedImageException($"The {Name(format)} image could not be decoded; it is damaged or malformed (the decoder failed with {ex.GetType().Name}).", ex),
    };

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

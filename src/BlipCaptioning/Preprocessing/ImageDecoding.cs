using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.Metadata;

namespace BlipCaptioning.Preprocessing;

/// <summary>
/// The ImageSharp configuration the loader uses: only the decoders we accept (no encoders, no other formats), a
/// capped memory allocator, every decoder's <c>IgnoreMetadata</c> on (EXIF, XMP, IPTC, ICC and text are skipped
/// unparsed; ImageSharp 2.1 never applies ICC profiles to pixels either way, and the orientation comes from our own
/// structure walk), and GIF/TIFF stopping after the first frame.
/// </summary>
internal sealed class ImageDecoding
{
    /// <summary>What ImageSharp may keep pooled between images.</summary>
    private const int PoolMegabytes = 64;

    public ImageDecoding(ImageLoadingOptions options)
    {
        // The largest single buffer a decoder needs is about 8 bytes per pixel (16-bit RGBA rows are decoded in
        // strips, but a whole frame of Rgba32 plus slack must fit); anything bigger is a bomb the header check missed.
        int limitMegabytes = (int)Math.Max(64, Math.Min(int.MaxValue, (options.MaxPixels * 8 / (1024 * 1024)) + 1));
        MemoryAllocator allocator = MemoryAllocator.Create(new MemoryAllocatorOptions
        {
            MaximumPoolSizeMegabytes = PoolMegabytes,
            AllocationLimitMegabytes = limitMegabytes,
        });
        Decode = Build(allocator, options.EnableTiff);
        TiffProbe = new Configuration();
        TiffProbe.ImageFormatsManager.AddImageFormatDetector(new TiffImageFormatDetector());
    }

    /// <summary>Format detection, header reading and pixel decoding, without metadata.</summary>
    public Configuration Decode { get; }

    /// <summary>Recognises TIFF only, to tell a person that TIFF is switched off rather than unknown.</summary>
    public Configuration TiffProbe { get; }

    private static Configuration Build(MemoryAllocator allocator, bool enableTiff)
    {
        const bool ignoreMetadata = true;
        var configuration = new Configuration { MemoryAllocator = allocator };
        ImageFormatManager formats = configuration.ImageFormatsManager;
        Register(formats, JpegFormat.Instance, new JpegImageFormatDetector(), new JpegDecoder { IgnoreMetadata = ignoreMetadata });
        Register(formats, PngFormat.Instance, new PngImageFormatDetector(), new PngDecoder { IgnoreMetadata = ignoreMetadata });
        Register(formats, GifFormat.Instance, new GifImageFormatDetector(), new GifDecoder
        {
            IgnoreMetadata = ignoreMetadata,
            DecodingMode = FrameDecodingMode.First,
            MaxFrames = 1,
        });
        Register(formats, BmpFormat.Instance, new BmpImageFormatDetector(), new BmpDecoder());
        Register(formats, WebpFormat.Instance, new WebpImageFormatDetector(), new WebpDecoder { IgnoreMetadata = ignoreMetadata });
        if (enableTiff)
        {
            Register(formats, TiffFormat.Instance, new TiffImageFormatDetector(), new TiffDecoder
            {
                IgnoreMetadata = ignoreMetadata,
                DecodingMode = FrameDecodingMode.First,
            });
        }

        return configuration;
    }

    private static void Register(ImageFormatManager formats, IImageFormat format, IImageFormatDetector detector, IImageDecoder decoder)
    {
        formats.AddImageFormat(format);
        formats.AddImageFormatDetector(detector);
        formats.SetDecoder(format, decoder);
    }
}

using BlipCaptioning.Testing;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.PixelFormats;

namespace BlipCaptioning.Fuzz;

/// <summary>
/// Small seeds (under 2 KB each, as AFL prefers) of every accepted format and the structures the loader walks:
/// baseline and progressive JPEG with EXIF, PNG variants with eXIf, legacy EXIF text, XMP and split image data,
/// GIF, BMP at several depths, lossless and lossy WebP, TIFF. scripts/fuzz.sh adds the small fixture images.
/// </summary>
internal static class SeedCorpus
{
    public static int Write(string directory)
    {
        Directory.CreateDirectory(directory);
        using var image = new Image<Rgba32>(12, 9);
        for (int y = 0; y < image.Height; y++)
        {
            for (int x = 0; x < image.Width; x++)
            {
                image[x, y] = new Rgba32((byte)(x * 20), (byte)(y * 28), (byte)((x + y) * 9), (byte)(255 - (x * 10)));
            }
        }

        byte[] png = Encode(image, new PngEncoder());
        byte[] jpeg = Encode(image, new JpegEncoder { Quality = 50 });
        var seeds = new Dictionary<string, byte[]>
        {
            ["baseline.jpg"] = jpeg,
            ["baseline-exif-6.jpg"] = HostileImages.JpegWithExif(jpeg, HostileImages.ExifOrientation(6)),
            ["gray-420.jpg"] = Encode(image, new JpegEncoder { Quality = 30, ColorType = JpegColorType.YCbCrRatio420 }),
            ["progressive.jpg"] = HostileImages.ProgressiveJpeg(24, 16, 2),
            ["rgba.png"] = png,
            ["gray.png"] = Encode(image, new PngEncoder { ColorType = PngColorType.Grayscale }),
            ["palette.png"] = Encode(image, new PngEncoder { ColorType = PngColorType.Palette }),
            ["rgb16.png"] = Encode(image, new PngEncoder { ColorType = PngColorType.Rgb, BitDepth = PngBitDepth.Bit16 }),
            ["interlaced.png"] = Encode(image, new PngEncoder { InterlaceMethod = PngInterlaceMode.Adam7 }),
            ["exif-8.png"] = HostileImages.PngWithChunkAfterHeader(png, "eXIf", HostileImages.ExifOrientation(8)),
            ["legacy-exif-3.png"] = HostileImages.PngWithChunkAfterHeader(png, "tEXt", LegacyExifText(3)),
            ["xmp-6.png"] = HostileImages.PngWithChunkAfterHeader(png, "iTXt", [.. "XML:com.adobe.xmp\0\0\0\0\0<x:xmpmeta><tiff:Orientation>6</tiff:Orientation></x:xmpmeta>"u8]),
            ["split-idat.png"] = HostileImages.PngWithSplitImageData(png, 1),
            ["text.png"] = HostileImages.PngWithChunkAfterHeader(png, "zTXt", HostileImages.TextChunkInflatingTo("Comment", 2000)),
            ["image.gif"] = Encode(image, new GifEncoder()),
            ["bpp24.bmp"] = Encode(image, new BmpEncoder { BitsPerPixel = BmpBitsPerPixel.Pixel24 }),
            ["bpp8.bmp"] = Encode(image, new BmpEncoder { BitsPerPixel = BmpBitsPerPixel.Pixel8 }),
            ["bpp1.bmp"] = Encode(image, new BmpEncoder { BitsPerPixel = BmpBitsPerPixel.Pixel1 }),
            ["bpp32.bmp"] = Encode(image, new BmpEncoder { BitsPerPixel = BmpBitsPerPixel.Pixel32, SupportTransparency = true }),
            ["lossless.webp"] = Encode(image, new WebpEncoder { FileFormat = WebpFileFormatType.Lossless }),
            ["lossy.webp"] = Encode(image, new WebpEncoder { FileFormat = WebpFileFormatType.Lossy, Quality = 40 }),
            ["image.tiff"] = Encode(image, new TiffEncoder()),
        };
        foreach ((string name, byte[] bytes) in seeds)
        {
            File.WriteAllBytes(Path.Combine(directory, name), bytes);
        }

        Console.WriteLine($"Wrote {seeds.Count} seeds to {directory}.");
        return 0;
    }

    /// <summary>A "Raw profile type exif" tEXt chunk as ImageMagick writes it: three header lines, then hex.</summary>
    private static byte[] LegacyExifText(uint orientation)
    {
        byte[] exif = [.. "Exif\0\0"u8, .. HostileImages.ExifOrientation(orientation)];
        string text = $"Raw profile type exif\0\nexif\n{exif.Length,8}\n{Convert.ToHexString(exif).ToLowerInvariant()}\n";
        return System.Text.Encoding.Latin1.GetBytes(text);
    }

    private static byte[] Encode(Image image, SixLabors.ImageSharp.Formats.IImageEncoder encoder)
    {
        using var stream = new MemoryStream();
        image.Save(stream, encoder);
        return stream.ToArray();
    }
}

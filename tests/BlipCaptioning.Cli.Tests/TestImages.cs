using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace BlipCaptioning.Cli.Tests;

/// <summary>Images the tests make: a valid TIFF, a truncated JPEG, a BMP whose header the decoder chokes on.</summary>
internal static class TestImages
{
    public static byte[] Tiff()
    {
        using var image = new Image<Rgb24>(64, 48, new Rgb24(200, 120, 40));
        using var stream = new MemoryStream();
        image.SaveAsTiff(stream);
        return stream.ToArray();
    }

    /// <summary>The first half of a JPEG: no end-of-image marker.</summary>
    public static byte[] TruncatedJpeg(string jpeg)
    {
        byte[] bytes = File.ReadAllBytes(jpeg);
        return bytes[..(bytes.Length / 2)];
    }

    /// <summary>
    /// A 4x4 BMP whose header claims 7 bits per pixel (issue 14: the decoder threw DivideByZeroException or worse
    /// rather than refusing it). Whatever the decoder makes of it, blip caption must report it and go on.
    /// </summary>
    public static byte[] SevenBitBmp()
    {
        byte[] bmp = new byte[54 + 64];
        "BM"u8.CopyTo(bmp);
        BitConverter.GetBytes(bmp.Length).CopyTo(bmp, 2);
        BitConverter.GetBytes(54).CopyTo(bmp, 10);
        BitConverter.GetBytes(40).CopyTo(bmp, 14);
        BitConverter.GetBytes(4).CopyTo(bmp, 18);
        BitConverter.GetBytes(4).CopyTo(bmp, 22);
        BitConverter.GetBytes((short)1).CopyTo(bmp, 26);
        BitConverter.GetBytes((short)7).CopyTo(bmp, 28);
        return bmp;
    }
}

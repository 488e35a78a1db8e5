using System.Buffers.Binary;
using System.IO.Compression;
using BlipCaptioning.Testing;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace BlipFunctions.Tests.Fixtures;

/// <summary>Images and non-images made in the test run.</summary>
public static class TestImages
{
    /// <summary>A small PNG whose pixels depend on <paramref name="seed"/>, so each seed has its own bytes.</summary>
    public static byte[] Png(int seed, int width = 48, int height = 32)
    {
        using var image = new Image<Rgb24>(width, height);
        var random = new Random(seed);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                image[x, y] = new Rgb24((byte)random.Next(256), (byte)(x * 5), (byte)(y * 7));
            }
        }

        using var stream = new MemoryStream();
        image.SaveAsPng(stream);
        return stream.ToArray();
    }

    public static byte[] Jpeg(int seed)
    {
        using var image = Image.Load<Rgb24>(Png(seed, 64, 64));
        using var stream = new MemoryStream();
        image.SaveAsJpeg(stream);
        return stream.ToArray();
    }

    public static byte[] RandomBytes(int count, int seed)
    {
        byte[] bytes = new byte[count];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>
    /// A decompression bomb: a valid, small PNG whose header declares 100,000 x 100,000 pixels (10 gigapixels) of
    /// zeros, far over Captioning__MaxImagePixels.
    /// </summary>
    public static byte[] PngBomb()
    {
        const int side = 100_000;
        byte[] header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, side);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), side);
        header[8] = 8; // bit depth
        header[9] = 0; // greyscale

        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            byte[] row = new byte[side + 1];
            for (int y = 0; y < 64; y++)
            {
                zlib.Write(row);
            }
        }

        return HostileImages.Png([("IHDR", header), ("IDAT", compressed.ToArray()), ("IEND", [])]);
    }
}

using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace BlipCaptioning.Cli.Benchmarking;

/// <summary>One benchmark input: a name and the encoded bytes, held in memory so that disk reads are not timed.</summary>
internal sealed record BenchImage(string Name, byte[] Bytes);

/// <summary>The images a bench runs over: the user's files, or a small synthesized set of typical photo sizes.</summary>
internal static class BenchImages
{
    /// <summary>What the synthesized set holds: common photo sizes in JPEG and one PNG (width, height, format).</summary>
    public static readonly IReadOnlyList<(int Width, int Height, string Format)> SynthesizedSizes =
    [
        (640, 480, "jpeg"),
        (1280, 960, "jpeg"),
        (1920, 1080, "jpeg"),
        (800, 800, "png"),
    ];

    public static IReadOnlyList<BenchImage> Load(IReadOnlyList<string> files) =>
        [.. files.Select(file => new BenchImage(Path.GetFileName(file), File.ReadAllBytes(file)))];

    /// <summary>
    /// Deterministic photo-like images (smooth gradients, shapes and sensor-like noise, so JPEG decoding costs what a
    /// photo of that size costs), encoded as JPEG quality 90 or PNG.
    /// </summary>
    public static IReadOnlyList<BenchImage> Synthesize()
    {
        var images = new List<BenchImage>();
        int seed = 0;
        foreach (var (width, height, format) in SynthesizedSizes)
        {
            using var image = Paint(width, height, seed++);
            using var stream = new MemoryStream();
            if (format == "png")
            {
                image.Save(stream, new PngEncoder());
            }
            else
            {
                image.Save(stream, new JpegEncoder { Quality = 90 });
            }

            images.Add(new BenchImage($"synthetic-{width}x{height}.{format}", stream.ToArray()));
        }

        return images;
    }

    private static Image<Rgb24> Paint(int width, int height, int seed)
    {
        var random = new Random(seed);
        var image = new Image<Rgb24>(width, height);
        double cx = width * (0.3 + (0.4 * random.NextDouble())), cy = height * (0.3 + (0.4 * random.NextDouble()));
        double radius = Math.Min(width, height) * 0.25;
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
            {
                Span<Rgb24> row = rows.GetRowSpan(y);
                for (int x = 0; x < row.Length; x++)
                {
                    double sky = (double)y / height;
                    bool inDisc = ((x - cx) * (x - cx)) + ((y - cy) * (y - cy)) < radius * radius;
                    int noise = random.Next(-12, 13);
                    int r = inDisc ? 200 : (int)(90 + (120 * sky));
                    int g = inDisc ? 120 : (int)(140 + (60 * Math.Sin(x * 0.01)));
                    int b = inDisc ? 60 : (int)(220 - (150 * sky));
                    row[x] = new Rgb24(Clamp(r + noise), Clamp(g + noise), Clamp(b + noise));
                }
            }
        });
        return image;
    }

    private static byte Clamp(int value) => (byte)Math.Clamp(value, 0, 255);
}

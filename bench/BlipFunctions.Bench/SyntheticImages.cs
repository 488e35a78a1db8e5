using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;

namespace BlipFunctions.Bench;

/// <summary>
/// Distinct photo-sized JPEGs (q90) made from a seed: smooth colour fields with noise, cycling through 640x480,
/// 1280x960 and 1920x1080, so that decode and resize cost what a phone or web photo costs.
/// </summary>
internal static class SyntheticImages
{
    private static readonly (int Width, int Height)[] s_sizes = [(640, 480), (1280, 960), (1920, 1080)];

    public static byte[] Jpeg(int index)
    {
        (int width, int height) = s_sizes[index % s_sizes.Length];
        var random = new Random(index);
        double fx = 1 + random.NextDouble() * 4, fy = 1 + random.NextDouble() * 4, phase = random.NextDouble() * Math.PI;
        using var image = new Image<Rgb24>(width, height);
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
            {
                Span<Rgb24> row = rows.GetRowSpan(y);
                for (int x = 0; x < row.Length; x++)
                {
                    double u = (double)x / width, v = (double)y / height;
                    int noise = random.Next(-12, 13);
                    row[x] = new Rgb24(
                        Channel(127 + 100 * Math.Sin(fx * u * Math.PI * 2 + phase) + noise),
                        Channel(127 + 100 * Math.Cos(fy * v * Math.PI * 2) + noise),
                        Channel(255 * (u + v) / 2 + noise));
                }
            }
        });
        using var output = new MemoryStream();
        image.SaveAsJpeg(output, new JpegEncoder { Quality = 90 });
        return output.ToArray();
    }

    private static byte Channel(double value) => (byte)Math.Clamp(value, 0, 255);
}

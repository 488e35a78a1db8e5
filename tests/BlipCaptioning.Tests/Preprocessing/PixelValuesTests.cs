using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using BlipCaptioning.Numpy;
using BlipCaptioning.Preprocessing;

namespace BlipCaptioning.Tests.Preprocessing;

/// <summary>
/// The float32 pixel tensor against transformers' own (tiny-a's reference/index.json records the SHA-256 of the
/// [1, 3, 384, 384] float32 little-endian bytes that transformers' BlipImageProcessor produced with PIL 9.4).
/// </summary>
public sealed class PixelValuesTests
{
    private static readonly BlipImagePreprocessor Preprocessor = new();

    public static TheoryData<string> PngPhotos() => ["astronaut.png", "chelsea.png", "coffee.png"];

    public static TheoryData<string> AllPhotos() => ["astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg"];

    [Theory]
    [MemberData(nameof(AllPhotos))]
    public void Normalisation_OfPilResizedPixels_ReproducesTransformersTensorBitForBit(string photo)
    {
        byte[] resized = NpyReader.ReadFile(Path.Combine(Fixtures.TinyA, "pil-resized", Path.GetFileNameWithoutExtension(photo) + ".resized.npy")).AsBytes().ToArray();
        var normalizer = new PixelNormalizer(BlipImagePreprocessor.DefaultSettings.Mean, BlipImagePreprocessor.DefaultSettings.Std, BlipImagePreprocessor.DefaultSettings.RescaleFactor);
        float[] pixels = new float[3 * 384 * 384];
        normalizer.Write(resized, 384 * 384, pixels);

        Assert.Equal(ExpectedSha256(photo), Sha256(pixels));
    }

    [Theory]
    [MemberData(nameof(PngPhotos))]
    public async Task PreprocessAsync_PngPhoto_ReproducesTransformersTensorBitForBit(string photo)
    {
        await using FileStream file = File.OpenRead(Path.Combine(Fixtures.TinyA, "images", photo));
        float[] pixels = await Preprocessor.PreprocessAsync(file);

        Assert.Equal(3 * 384 * 384, pixels.Length);
        Assert.Equal(ExpectedSha256(photo), Sha256(pixels));
    }

    [Fact]
    public async Task PreprocessAsync_JpegPhoto_MatchesTransformersSamplesToJpegDecoderPrecision()
    {
        await using FileStream file = File.OpenRead(Path.Combine(Fixtures.TinyA, "images", "rocket.jpg"));
        float[] pixels = await Preprocessor.PreprocessAsync(file);

        // One 8-bit step is 1/(255 * std) ~ 0.0146 after normalisation; the decoders differ by at most 2 steps here.
        foreach ((int c, int y, int x, float expected) in ExpectedSamples("rocket.jpg"))
        {
            float actual = pixels[(c * 384 * 384) + (y * 384) + x];
            Assert.True(Math.Abs(actual - expected) <= 0.05f, $"rocket.jpg [c={c}, y={y}, x={x}]: transformers {expected}, ours {actual}");
        }
    }

    [Fact]
    public async Task WritePixelValues_IntoSliceOfBatch_FillsOnlyThatSlice()
    {
        await using FileStream file = File.OpenRead(Path.Combine(Fixtures.TinyA, "images", "chelsea.png"));
        using LoadedImage image = await Preprocessor.LoadAsync(file);
        int n = Preprocessor.PixelValuesLength;
        float[] batch = new float[2 * n];
        Array.Fill(batch, float.NaN);

        Preprocessor.WritePixelValues(image, batch.AsSpan(n, n));

        Assert.All(batch.AsSpan(0, n).ToArray(), v => Assert.True(float.IsNaN(v)));
        Assert.Equal(ExpectedSha256("chelsea.png"), Sha256(batch.AsSpan(n, n).ToArray()));
    }

    [Fact]
    public async Task WritePixelValues_DestinationTooSmall_ThrowsArgumentExceptionNamingTheSize()
    {
        await using FileStream file = File.OpenRead(Path.Combine(Fixtures.TinyA, "images", "chelsea.png"));
        using LoadedImage image = await Preprocessor.LoadAsync(file);

        ArgumentException error = Assert.Throws<ArgumentException>(() => Preprocessor.WritePixelValues(image, new float[100]));
        Assert.Contains("442368", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_StdWithZero_Throws()
    {
        var settings = new BlipCaptioning.Inference.PreprocessingSettings(384, [0.5f, 0.5f, 0.5f], [0.5f, 0f, 0.5f]);
        Assert.Throws<ArgumentException>(() => new BlipImagePreprocessor(settings));
    }

    [Fact]
    public void Constructor_TwoMeanValues_Throws()
    {
        var settings = new BlipCaptioning.Inference.PreprocessingSettings(384, [0.5f, 0.5f], [0.5f, 0.5f, 0.5f]);
        Assert.Throws<ArgumentException>(() => new BlipImagePreprocessor(settings));
    }

    [Fact]
    public void DefaultSettings_AreBlipBaseProcessorValues()
    {
        var settings = BlipImagePreprocessor.DefaultSettings;
        Assert.Equal(384, settings.ImageSize);
        Assert.Equal([0.48145466f, 0.4578275f, 0.40821073f], settings.Mean);
        Assert.Equal([0.26862954f, 0.26130258f, 0.27577711f], settings.Std);
        Assert.Equal(1.0 / 255.0, settings.RescaleFactor);
    }

    private static string Sha256(float[] pixels) =>
        Convert.ToHexStringLower(SHA256.HashData(MemoryMarshal.AsBytes(pixels.AsSpan())));

    private static JsonElement PixelStats(string photo)
    {
        using JsonDocument index = JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixtures.TinyA, "reference", "index.json")));
        return index.RootElement.GetProperty("pixel_stats").GetProperty(photo).Clone();
    }

    private static string ExpectedSha256(string photo) => PixelStats(photo).GetProperty("sha256_of_float32_le_bytes").GetString()!;

    private static IEnumerable<(int C, int Y, int X, float Value)> ExpectedSamples(string photo) =>
        PixelStats(photo).GetProperty("samples_[c,y,x]").EnumerateObject().Select(p =>
        {
            int[] at = p.Name.Split(',').Select(int.Parse).ToArray();
            return (at[0], at[1], at[2], p.Value.GetSingle());
        });
}

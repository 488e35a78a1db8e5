using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using BlipCaptioning.Conversion.Numpy;
using BlipCaptioning.Preprocessing;
using Xunit.Abstractions;

namespace BlipCaptioning.Tests.Preprocessing;

/// <summary>
/// The float32 pixel tensor against transformers' own (tiny-a's reference/index.json records the SHA-256 of the
/// [1, 3, 384, 384] float32 little-endian bytes that transformers' BlipImageProcessor produced with PIL 9.4, with
/// its sum, minimum, maximum and samples). Element by element, the reference tensor is rebuilt from PIL's resize
/// (pil-resized/*.npy), which the first test proves bit-identical to it.
/// </summary>
public sealed class PixelValuesTests(ITestOutputHelper output)
{
    private static readonly BlipImagePreprocessor Preprocessor = new();

    /// <summary>
    /// rocket.jpg is decoded by ImageSharp here and by libjpeg in PIL; measured after the resize, the two differ by at
    /// most 2 steps of 1/255 anywhere and by 0.0329 steps on average (docs/fidelity.md). The PNGs are bit-identical.
    /// </summary>
    private const int JpegMaxSteps = 2;
    private const double JpegMeanSteps = 0.05;

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

    [Theory]
    [InlineData("astronaut.png", 0, 0.0)]
    [InlineData("chelsea.png", 0, 0.0)]
    [InlineData("coffee.png", 0, 0.0)]
    [InlineData("rocket.jpg", JpegMaxSteps, JpegMeanSteps)]
    public async Task PreprocessAsync_TinyAPhoto_EveryElementWithinItsEightBitStepsOfTransformers(string photo, int maxSteps, double maxMeanSteps)
    {
        await using FileStream file = File.OpenRead(Path.Combine(Fixtures.TinyA, "images", photo));
        float[] ours = await Preprocessor.PreprocessAsync(file);
        float[] transformers = ReferencePixelValues(photo);

        PixelValuesDifference difference = PixelValuesDifference.Measure(ours, transformers, BlipImagePreprocessor.DefaultSettings.Std);

        output.WriteLine(difference.Describe(photo));
        Assert.True(difference.MaxSteps <= maxSteps + 1e-3 && difference.MeanSteps <= maxMeanSteps, $"{difference.Describe(photo)}; allowed {maxSteps} steps, mean {maxMeanSteps}");
    }

    [Theory]
    [MemberData(nameof(AllPhotos))]
    public async Task PreprocessAsync_TinyAPhoto_SumMinMaxAndSamplesMatchIndexJson(string photo)
    {
        await using FileStream file = File.OpenRead(Path.Combine(Fixtures.TinyA, "images", photo));
        float[] pixels = await Preprocessor.PreprocessAsync(file);
        JsonElement stats = PixelStats(photo);
        bool jpeg = photo.EndsWith(".jpg", StringComparison.Ordinal);
        // One 8-bit step is 1 / (255 * std) <= 0.0151 after normalisation; the JPEG is allowed its decoder's 2 steps
        // per element and its mean difference over the sum; the PNGs must agree to the float64 summation order.
        double step = 1.0 / (255 * BlipImagePreprocessor.DefaultSettings.Std.Min());
        double valueTolerance = jpeg ? (JpegMaxSteps * step) + 1e-6 : 0;
        double sumTolerance = jpeg ? JpegMeanSteps * step * pixels.Length : 1e-6;

        double sum = pixels.Sum(v => (double)v);
        output.WriteLine($"{photo} pixel_values: sum {sum:R} (transformers {stats.GetProperty("sum").GetDouble():R}), min {pixels.Min():R} ({stats.GetProperty("min").GetDouble():R}), max {pixels.Max():R} ({stats.GetProperty("max").GetDouble():R})");
        AssertNear(stats.GetProperty("sum").GetDouble(), sum, sumTolerance, $"{photo} pixel_values sum");
        AssertNear(stats.GetProperty("min").GetDouble(), pixels.Min(), valueTolerance, $"{photo} pixel_values min");
        AssertNear(stats.GetProperty("max").GetDouble(), pixels.Max(), valueTolerance, $"{photo} pixel_values max");
        foreach ((int c, int y, int x, float expected) in ExpectedSamples(photo))
        {
            AssertNear(expected, pixels[(c * 384 * 384) + (y * 384) + x], valueTolerance, $"{photo} pixel_values [{c}, {y}, {x}]");
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
        var settings = new BlipCaptioning.Model.PreprocessingSettings(384, [0.5f, 0.5f, 0.5f], [0.5f, 0f, 0.5f]);
        Assert.Throws<ArgumentException>(() => new BlipImagePreprocessor(settings));
    }

    [Fact]
    public void Constructor_TwoMeanValues_Throws()
    {
        var settings = new BlipCaptioning.Model.PreprocessingSettings(384, [0.5f, 0.5f], [0.5f, 0.5f, 0.5f]);
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

    private static void AssertNear(double transformers, double ours, double tolerance, string what) =>
        Assert.True(Math.Abs(ours - transformers) <= tolerance, $"{what}: ours {ours:R}, transformers {transformers:R}, |difference| {Math.Abs(ours - transformers):R} > {tolerance:R}");

    /// <summary>transformers' pixel tensor, rebuilt bit for bit from PIL's resize (see the first test).</summary>
    private static float[] ReferencePixelValues(string photo)
    {
        byte[] resized = NpyReader.ReadFile(Path.Combine(Fixtures.TinyA, "pil-resized", Path.GetFileNameWithoutExtension(photo) + ".resized.npy")).AsBytes().ToArray();
        var settings = BlipImagePreprocessor.DefaultSettings;
        float[] pixels = new float[3 * 384 * 384];
        new PixelNormalizer(settings.Mean, settings.Std, settings.RescaleFactor).Write(resized, 384 * 384, pixels);
        Assert.Equal(ExpectedSha256(photo), Sha256(pixels));
        return pixels;
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

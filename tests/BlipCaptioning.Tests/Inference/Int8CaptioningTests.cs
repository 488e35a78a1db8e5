using System.Globalization;
using BlipCaptioning.Conversion.Building;
using BlipCaptioning.Testing;
using BlipCaptioning.Tests.Preprocessing;
using Xunit.Abstractions;

namespace BlipCaptioning.Tests.Inference;

/// <summary>
/// int8 model folders through the runtime: the random tiny preset (what `blip model random --preset tiny` writes,
/// built with --precision int8) and transformers-tiny-a, captioned by <see cref="ImageCaptioner"/> next to their fp32 builds.
/// </summary>
public sealed class Int8CaptioningTests(Int8CaptioningTests.Models models, ITestOutputHelper output) : IClassFixture<Int8CaptioningTests.Models>
{
    /// <summary>
    /// Measured on the 12 images: 157 of 228 generated ids (68.9%) equal fp32's at their position, 4 of 12 captions
    /// identical. A random 32-wide decoder amplifies small changes: rounding only its weights to 8 bits (arithmetic in
    /// float32) already gives about 65%, while float32 rounding differences alone (another ONNX Runtime optimisation
    /// level) give 100%. So this floor guards against int8 getting worse; it does not measure caption quality
    /// (docs/int8.md: check real weights).
    /// </summary>
    private const double RandomTinyAgreementFloor = 0.45;

    [Fact]
    public async Task CaptionAsync_RandomTinyPresetInt8_MostTokensEqualFp32s()
    {
        using var fp32 = new ImageCaptioner(new CaptioningOptions { ModelDirectory = models.RandomTinyFp32, IntraOpThreads = 1 });
        using var int8 = new ImageCaptioner(new CaptioningOptions { ModelDirectory = models.RandomTinyInt8, IntraOpThreads = 1 });
        int generated = 0, same = 0, identical = 0;
        var images = Images();
        foreach (var image in images)
        {
            var expected = await CaptionAsync(fp32, image);
            var actual = await CaptionAsync(int8, image);
            var positions = Math.Max(expected.TokenIds.Count, actual.TokenIds.Count) - 1;
            var matching = Enumerable.Range(1, positions).Count(i => i < expected.TokenIds.Count && i < actual.TokenIds.Count && expected.TokenIds[i] == actual.TokenIds[i]);
            generated += positions;
            same += matching;
            identical += matching == positions ? 1 : 0;
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"random tiny preset, int8 vs fp32: {same} of {generated} generated ids ({(double)same / generated:P1}) equal; {identical} of {images.Count} captions identical"));
        Assert.True((double)same / generated >= RandomTinyAgreementFloor, $"only {same} of {generated} int8 ids equal fp32's");
    }

    [Fact]
    public async Task CaptionBatchAsync_Int8ThreeImages_EqualsOneByOne()
    {
        using var captioner = new ImageCaptioner(new CaptioningOptions { ModelDirectory = models.TinyAInt8, IntraOpThreads = 1 });
        string[] names = ["astronaut", "coffee", "rocket"];
        var single = new List<Caption>();
        foreach (string name in names)
        {
            await using var stream = TinyModelFixture.OpenImage(name);
            single.Add(await captioner.CaptionAsync(stream));
        }

        var streams = names.Select(TinyModelFixture.OpenImage).ToList();
        IReadOnlyList<Caption> batch;
        try
        {
            batch = await captioner.CaptionBatchAsync(streams);
        }
        finally
        {
            streams.ForEach(s => s.Dispose());
        }

        // Rows are quantized one by one, so batching changes no token; the scores agree up to float32 summation order.
        Assert.Equal(single.Select(c => c.TokenIds), batch.Select(c => c.TokenIds));
        Assert.All(single.Zip(batch), pair => Assert.Equal(pair.First.Score, pair.Second.Score, 1e-5));
    }

    [Fact]
    public async Task CaptionAsync_Int8PaperPreset_BeamSearchWithAPromptRuns()
    {
        using var captioner = new ImageCaptioner(new CaptioningOptions { ModelDirectory = models.TinyAInt8, IntraOpThreads = 1 });
        await using var stream = TinyModelFixture.OpenImage("chelsea");

        var caption = await captioner.CaptionAsync(stream, CaptionSettings.Paper);

        Assert.InRange(caption.TokenIds.Count, CaptionSettings.Paper.MinLength, CaptionSettings.Paper.MaxLength);
        Assert.True(double.IsFinite(caption.Score), $"score {caption.Score}");
    }

    [Fact]
    public async Task DescribeModelAsync_Int8Model_ReportsInt8()
    {
        using var captioner = new ImageCaptioner(new CaptioningOptions { ModelDirectory = models.TinyAInt8, IntraOpThreads = 1 });

        var description = await captioner.DescribeModelAsync();

        Assert.Equal("int8", description.Precision);
    }

    private static readonly string[] PilReferencePhotos =
        ["camera.png", "hubble_deep_field.jpg", "cmyk.jpg", "exif-orientation-6.jpg", "gray.png", "palette.png", "rgba.png", "lossless.webp"];

    /// <summary>The four tiny-a photos and the PIL reference images that are ordinary photos or drawings.</summary>
    private static List<string> Images() =>
    [
        .. Directory.EnumerateFiles(Path.Combine(Fixtures.TinyA, "images")).Order(StringComparer.Ordinal),
        .. PilReferencePhotos.Select(name => Fixtures.PilReferencePath(Path.Combine("images", name))),
    ];

    private static async Task<Caption> CaptionAsync(ImageCaptioner captioner, string path)
    {
        await using var stream = File.OpenRead(path);
        return await captioner.CaptionAsync(stream);
    }

    /// <summary>The model folders, built once for the class.</summary>
    public sealed class Models : IDisposable
    {
        private readonly TemporaryFolder _root = new("blip-int8-tests");

        public Models()
        {
            // What `blip model random --preset tiny --seed 42` makes, and the same checkpoint built as int8.
            RandomTinyFp32 = _root.Combine("random-tiny-fp32");
            RandomTinyInt8 = _root.Combine("random-tiny-int8");
            TinyModels.BuildRandomTiny(RandomTinyFp32);
            TinyModels.BuildRandomTiny(RandomTinyInt8, ModelPrecision.Int8);
            TinyAInt8 = _root.Combine("tiny-a-int8");
            TinyModels.BuildTinyA(TinyAInt8, ModelPrecision.Int8);
        }

        public string RandomTinyFp32 { get; }

        public string RandomTinyInt8 { get; }

        public string TinyAInt8 { get; }

        public void Dispose() => _root.Dispose();
    }
}

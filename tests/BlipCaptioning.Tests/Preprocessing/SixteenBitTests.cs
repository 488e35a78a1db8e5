using BlipCaptioning.Preprocessing;

namespace BlipCaptioning.Tests.Preprocessing;

/// <summary>
/// Our deliberate difference from PIL: 16-bit samples are scaled to 8 bits (round(v * 255 / 65535)). PIL keeps the
/// high byte of 16-bit RGB and clips 16-bit gray (mode I) to 255, which turns most gray images white.
/// The expected results are PIL's pipeline run on the scaled 8-bit image (make_reference.py).
/// </summary>
public sealed class SixteenBitTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly BlipImagePreprocessor Preprocessor = new();

    public static TheoryData<string> Images() => ["rgb16.png", "gray16.png"];

    [Theory]
    [MemberData(nameof(Images))]
    public async Task WriteResizedPixels_SixteenBitPng_EqualsPilOnTheScaledEightBitImage(string name)
    {
        byte[] expected = Fixtures.ReadResized(Fixtures.PilReferencePath($"resized/{name}.scaled-to-8-bit.resized.npy"));

        byte[] actual = await Resize(name);

        PixelComparison result = PixelComparison.Compare(expected, actual, 384);
        Assert.True(result.MaxDifference == 0, result.Describe(name));
    }

    [Fact]
    public async Task WriteResizedPixels_SixteenBitRgbPng_DiffersFromPilsHighByteByAtMostOneStepBeforeResizing()
    {
        byte[] pil = Fixtures.ReadResized(Fixtures.PilReferencePath("resized/rgb16.png.resized.npy"));

        byte[] ours = await Resize("rgb16.png");

        // Rounding vs truncation moves a sample by at most one step; the resize's negative lobes can grow that a little.
        PixelComparison result = PixelComparison.Compare(pil, ours, 384);
        output.WriteLine(result.Describe("rgb16.png (PIL's high byte vs our scaling)"));
        Assert.True(result.MaxDifference is >= 1 and <= 3, result.Describe("rgb16.png"));
    }

    private static async Task<byte[]> Resize(string name)
    {
        await using FileStream file = File.OpenRead(Fixtures.PilReferencePath("images/" + name));
        using LoadedImage image = await Preprocessor.LoadAsync(file);
        byte[] resized = new byte[384 * 384 * 3];
        Preprocessor.WriteResizedPixels(image, resized);
        return resized;
    }
}

using BlipCaptioning.Preprocessing;
using Xunit.Abstractions;

namespace BlipCaptioning.Tests.Preprocessing;

/// <summary>
/// Our decode + orient + convert + resize against PIL 9.4's (tests/fixtures/pil-reference, made by make_reference.py).
/// Lossless formats decode to the same RGB bytes as PIL, so these measure the resampler; JPEG decoders differ
/// (ImageSharp vs libjpeg), so JPEG gets a measured tolerance.
/// </summary>
public sealed class PilParityTests(ITestOutputHelper output)
{
    private static readonly BlipImagePreprocessor Preprocessor = new();

    public static TheoryData<string, string> LosslessImages() => Cases(jpeg: false);

    public static TheoryData<string, string> JpegImages() => Cases(jpeg: true);

    [Theory]
    [MemberData(nameof(LosslessImages))]
    public async Task WriteResizedPixels_LosslessImage_MatchesPilExactly(string input, string resized)
    {
        PixelComparison result = await CompareWithPil(input, resized);
        output.WriteLine(result.Describe(input));
        // The requirement is "within one 8-bit step"; every lossless fixture is in fact bit-identical, so hold that.
        Assert.True(result.MaxDifference == 0, result.Describe(input));
    }

    [Theory]
    [MemberData(nameof(JpegImages))]
    public async Task WriteResizedPixels_JpegImage_IsCloseToPilDespiteDifferentJpegDecoders(string input, string resized)
    {
        PixelComparison result = await CompareWithPil(input, resized);
        output.WriteLine(result.Describe(input));
        // Measured: 4:4:4 JPEGs differ by at most 3, 4:2:0 ones by up to 14 near colour edges (libjpeg's "fancy"
        // chroma upsampling vs ImageSharp's), with a mean below 0.5 in every case.
        Assert.True(result.MeanDifference < 0.5, result.Describe(input));
        Assert.True(result.MaxDifference <= 16, result.Describe(input));
    }

    private static async Task<PixelComparison> CompareWithPil(string input, string resized)
    {
        byte[] expected = Fixtures.ReadResized(resized);
        await using FileStream file = File.OpenRead(input);
        using LoadedImage image = await Preprocessor.LoadAsync(file);
        byte[] actual = new byte[384 * 384 * 3];
        Preprocessor.WriteResizedPixels(image, actual);
        return PixelComparison.Compare(expected, actual, 384);
    }

    private static TheoryData<string, string> Cases(bool jpeg)
    {
        var data = new TheoryData<string, string>();
        foreach ((string input, string? resized) in Fixtures.PilReferenceImages())
        {
            if (resized is not null && input.EndsWith(".jpg", StringComparison.Ordinal) == jpeg && !input.Contains("16.png", StringComparison.Ordinal))
            {
                data.Add(Fixtures.PilReferencePath(input), Fixtures.PilReferencePath(resized));
            }
        }

        string tinyA = Fixtures.TinyA;
        foreach (string name in jpeg ? ["rocket.jpg"] : new[] { "astronaut.png", "chelsea.png", "coffee.png" })
        {
            data.Add(Path.Combine(tinyA, "images", name), Path.Combine(tinyA, "pil-resized", Path.GetFileNameWithoutExtension(name) + ".resized.npy"));
        }

        return data;
    }
}

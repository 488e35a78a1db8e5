using BlipCaptioning.Preprocessing;

namespace BlipCaptioning.Tests.Preprocessing;

/// <summary>
/// pil-reference/orientation: a 7x5 image stored in each of the 8 EXIF orientations (PNG eXIf chunk); PIL's
/// ImageOps.exif_transpose turns every one into upright.png, and so must we.
/// </summary>
public sealed class ExifOrientationTests
{
    private static readonly BlipImagePreprocessor Preprocessor = new();

    public static TheoryData<int> Orientations() => [1, 2, 3, 4, 5, 6, 7, 8];

    [Theory]
    [MemberData(nameof(Orientations))]
    public async Task LoadAsync_PngWithExifOrientation_GivesTheUprightImageExactly(int orientation)
    {
        using LoadedImage upright = await Load("upright.png");
        using LoadedImage turned = await Load($"orientation-{orientation}.png");

        Assert.Equal((7, 5), (upright.Width, upright.Height));
        Assert.Equal((upright.Width, upright.Height), (turned.Width, turned.Height));
        Assert.Equal((7, 5), (turned.Facts.Width, turned.Facts.Height));
        Assert.Equal(orientation, turned.Orientation);
        PixelComparison result = PixelComparison.Compare(upright.Pixels, turned.Pixels, upright.Width);
        Assert.True(result.MaxDifference == 0, result.Describe($"orientation-{orientation}.png"));
    }

    [Fact]
    public async Task LoadAsync_WebpWithExifOrientation6_GivesTheUprightImageExactly()
    {
        using LoadedImage upright = await Load("upright.png");
        using LoadedImage turned = await Load("orientation-6.webp");

        Assert.Equal((6, 7, 5), (turned.Orientation, turned.Width, turned.Height));
        PixelComparison result = PixelComparison.Compare(upright.Pixels, turned.Pixels, upright.Width);
        Assert.True(result.MaxDifference == 0, result.Describe("orientation-6.webp"));
    }

    [Fact]
    public async Task LoadAsync_JpegWithOrientation6_ReportsUprightSize()
    {
        await using FileStream file = File.OpenRead(Fixtures.PilReferencePath("images/exif-orientation-6.jpg"));
        using LoadedImage image = await Preprocessor.LoadAsync(file);

        // Stored 240 wide and 320 high; upright it is 320 x 240.
        Assert.Equal(6, image.Orientation);
        Assert.Equal(new ImageFacts(320, 240, "JPEG", new FileInfo(Fixtures.PilReferencePath("images/exif-orientation-6.jpg")).Length), image.Facts);
    }

    private static async Task<LoadedImage> Load(string name)
    {
        await using FileStream file = File.OpenRead(Fixtures.PilReferencePath("orientation/" + name));
        return await Preprocessor.LoadAsync(file);
    }
}

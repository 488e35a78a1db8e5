using BlipCaptioning.Preprocessing;

namespace BlipCaptioning.Tests.Preprocessing;

/// <summary>
/// Unit facts of the resampler. Its bit-exactness against PIL is shown by <see cref="PilParityTests"/> on the lossless
/// fixtures (downscales 4000->384, 512->384, 451->384, upscales 1->384, 10->384, 12->384, and mixed).
/// </summary>
public sealed class PilBicubicResamplerTests
{
    [Theory]
    [InlineData(0.0, 1.0)]
    [InlineData(0.5, 0.5625)]
    [InlineData(1.0, 0.0)]
    [InlineData(1.5, -0.0625)]
    [InlineData(-1.5, -0.0625)]
    [InlineData(2.0, 0.0)]
    [InlineData(3.0, 0.0)]
    public void Bicubic_WithAMinusHalf_HasTheKeysKernelValues(double x, double expected) =>
        Assert.Equal(expected, ResampleCoefficients.Bicubic(x));

    [Theory]
    [InlineData(500, 384)]
    [InlineData(4000, 384)]
    [InlineData(10, 384)]
    [InlineData(1, 384)]
    [InlineData(383, 384)]
    public void Coefficients_EveryOutputSample_HasWeightsSummingToOneInFixedPoint(int inSize, int outSize)
    {
        ResampleCoefficients c = ResampleCoefficients.For(inSize, outSize);

        for (int i = 0; i < outSize; i++)
        {
            int sum = c.Weights.AsSpan(i * c.KernelSize, c.Count[i]).ToArray().Sum();
            // Each weight is rounded on its own, so the sum may be off by a few units of 2^-22.
            Assert.InRange(sum, (1 << 22) - 8, (1 << 22) + 8);
            Assert.InRange(c.Start[i], 0, inSize - 1);
            Assert.InRange(c.Start[i] + c.Count[i], 1, inSize);
        }
    }

    [Fact]
    public void Coefficients_Downscale_WidenTheSupportByTheScale()
    {
        // 4000 -> 384: support 2 * 4000/384 = 20.83 input samples each side, kernel size ceil(20.83) * 2 + 1 = 43.
        // Output 200: center 200.5 * 10.4167 = 2088.54, taps trunc(2068.21) = 2068 .. trunc(2109.87) = 2109 (exclusive).
        ResampleCoefficients c = ResampleCoefficients.For(4000, 384);
        Assert.Equal(43, c.KernelSize);
        Assert.Equal(2068, c.Start[200]);
        Assert.Equal(41, c.Count[200]);
    }

    [Fact]
    public void Resize_SameSize_ReturnsAnExactCopy()
    {
        byte[] source = RandomPixels(17, 9, seed: 1);
        byte[] destination = new byte[source.Length];

        PilBicubicResampler.Resize(source, 17, 9, destination, 17, 9);

        Assert.Equal(source, destination);
    }

    [Fact]
    public void Resize_OnePixelUp_FillsEveryPixelWithItsColour()
    {
        byte[] destination = new byte[384 * 384 * 3];

        PilBicubicResampler.Resize([200, 30, 90], 1, 1, destination, 384, 384);

        for (int i = 0; i < destination.Length; i += 3)
        {
            Assert.Equal((200, 30, 90), (destination[i], destination[i + 1], destination[i + 2]));
        }
    }

    [Fact]
    public void Resize_UniformImage_StaysUniformAtAnySize()
    {
        byte[] source = new byte[123 * 77 * 3];
        for (int i = 0; i < source.Length; i += 3)
        {
            (source[i], source[i + 1], source[i + 2]) = ((byte)1, (byte)128, (byte)255);
        }

        byte[] destination = new byte[384 * 384 * 3];
        PilBicubicResampler.Resize(source, 123, 77, destination, 384, 384);

        for (int i = 0; i < destination.Length; i += 3)
        {
            Assert.Equal((1, 128, 255), (destination[i], destination[i + 1], destination[i + 2]));
        }
    }

    [Fact]
    public void Resize_SharpEdgeUpscaled_OvershootsAndIsClampedToTheByteRange()
    {
        // A black/white step upscaled with a = -0.5 rings (negative lobes); the clamp keeps 0 and 255, not wrap-around.
        byte[] source = [0, 0, 0, 0, 0, 0, 255, 255, 255, 255, 255, 255];
        byte[] destination = new byte[16 * 3];

        PilBicubicResampler.Resize(source, 4, 1, destination, 16, 1);

        Assert.Equal(0, destination[0]);
        Assert.Equal(255, destination[^1]);
        for (int x = 1; x < 16; x++)
        {
            Assert.True(destination[x * 3] >= destination[(x - 1) * 3], $"x={x}: {destination[x * 3]} < {destination[(x - 1) * 3]}");
        }
    }

    [Fact]
    public void Resize_OnlyOneAxisChanges_MatchesResizingThroughTheOtherAxisToo()
    {
        byte[] source = RandomPixels(50, 30, seed: 3);
        byte[] widthOnly = new byte[384 * 30 * 3];
        byte[] heightOnly = new byte[50 * 384 * 3];

        PilBicubicResampler.Resize(source, 50, 30, widthOnly, 384, 30);
        PilBicubicResampler.Resize(source, 50, 30, heightOnly, 50, 384);
        byte[] both = new byte[384 * 384 * 3];
        byte[] viaWidth = new byte[384 * 384 * 3];
        PilBicubicResampler.Resize(source, 50, 30, both, 384, 384);
        PilBicubicResampler.Resize(widthOnly, 384, 30, viaWidth, 384, 384);

        // PIL is separable with the horizontal pass first, so resizing the width first and then the height is identical.
        Assert.Equal(both, viaWidth);
    }

    [Theory]
    [InlineData(4000, 384)]
    [InlineData(451, 384)]
    [InlineData(10, 384)]
    [InlineData(385, 384)]
    public void ResampleRow_VectorAndScalarPaths_GiveIdenticalBytes(int inWidth, int outWidth)
    {
        byte[] row = RandomPixels(inWidth + 1, 1, seed: inWidth);
        ResampleCoefficients columns = ResampleCoefficients.For(inWidth, outWidth);
        byte[] vector = new byte[outWidth * 3];
        byte[] scalar = new byte[outWidth * 3];

        PilBicubicResampler.ResampleRowVector(row.AsSpan(0, (inWidth * 3) + 1), vector, columns);
        PilBicubicResampler.ResampleRowScalar(row.AsSpan(0, inWidth * 3), scalar, columns);

        Assert.Equal(scalar, vector);
    }

    [Fact]
    public void Resize_SourceSmallerThanItsDimensions_Throws()
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => PilBicubicResampler.Resize(new byte[10], 4, 4, new byte[48], 4, 4));
        Assert.Equal("source", error.ParamName);
    }

    [Fact]
    public void Resize_ZeroWidth_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => PilBicubicResampler.Resize(new byte[12], 4, 1, new byte[12], 0, 1));

    private static byte[] RandomPixels(int width, int height, int seed)
    {
        byte[] pixels = new byte[width * height * 3];
        new Random(seed).NextBytes(pixels);
        return pixels;
    }
}

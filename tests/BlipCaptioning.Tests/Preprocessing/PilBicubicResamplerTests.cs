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

    [Theory]
    [InlineData(3, 5000, 384, 384)]   // tall and narrow: width up, height far down
    [InlineData(1, 1000, 384, 384)]
    [InlineData(50, 30, 384, 384)]    // both up
    [InlineData(700, 900, 384, 384)]  // both down
    [InlineData(500, 7, 384, 384)]    // width down, height far up (hundreds of output rows per input row)
    [InlineData(384, 1000, 384, 384)] // height only
    [InlineData(17, 13, 5, 3)]
    public void Resize_StreamedRows_EqualPilsTwoPassesOverAWholeIntermediateImage(int width, int height, int outWidth, int outHeight)
    {
        byte[] source = RandomPixels(width, height, seed: width + height);
        byte[] streamed = new byte[outWidth * outHeight * 3];

        PilBicubicResampler.Resize(source, width, height, streamed, outWidth, outHeight);

        Assert.Equal(TwoPassReference(source, width, height, outWidth, outHeight), streamed);
    }

    [Fact]
    public void Resize_TallNarrowImage_UsesAFewRowsOfMemoryNotAWholeIntermediateImage()
    {
        // A 3 x 200,000 image (600,000 pixels, well within MaxPixels): PIL's intermediate image, 384 wide, is 230 MB.
        byte[] source = RandomPixels(3, 200_000, seed: 5);
        byte[] destination = new byte[384 * 384 * 3];
        long before = GC.GetAllocatedBytesForCurrentThread();

        PilBicubicResampler.Resize(source, 3, 200_000, destination, 384, 384);

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 16 * 1024 * 1024, $"Resizing allocated {allocated:N0} bytes.");
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

    /// <summary>
    /// PIL's Resample.c as written: the horizontal pass over every row the vertical pass needs into a whole 8-bit
    /// intermediate image, then the vertical pass pixel by pixel, taps in order, with the same fixed-point rules.
    /// </summary>
    private static byte[] TwoPassReference(byte[] source, int width, int height, int outWidth, int outHeight)
    {
        byte[] intermediate = source;
        int intermediateWidth = width;
        int firstRow = 0;
        ResampleCoefficients rows = ResampleCoefficients.For(height, outHeight);
        if (outWidth != width)
        {
            ResampleCoefficients columns = ResampleCoefficients.For(width, outWidth);
            firstRow = outHeight != height ? rows.Start[0] : 0;
            int lastRow = outHeight != height ? rows.Start[outHeight - 1] + rows.Count[outHeight - 1] : height;
            intermediate = new byte[(lastRow - firstRow) * outWidth * 3];
            for (int y = firstRow; y < lastRow; y++)
            {
                for (int x = 0; x < outWidth; x++)
                {
                    for (int c = 0; c < 3; c++)
                    {
                        int sum = ResampleCoefficients.Half;
                        for (int t = 0; t < columns.Count[x]; t++)
                        {
                            sum += source[(((y * width) + columns.Start[x] + t) * 3) + c] * columns.Weights[(x * columns.KernelSize) + t];
                        }

                        intermediate[((((y - firstRow) * outWidth) + x) * 3) + c] = (byte)Math.Clamp(sum >> ResampleCoefficients.PrecisionBits, 0, 255);
                    }
                }
            }

            intermediateWidth = outWidth;
        }

        if (outHeight == height)
        {
            return intermediate;
        }

        byte[] output = new byte[outWidth * outHeight * 3];
        for (int y = 0; y < outHeight; y++)
        {
            for (int i = 0; i < intermediateWidth * 3; i++)
            {
                int sum = ResampleCoefficients.Half;
                for (int t = 0; t < rows.Count[y]; t++)
                {
                    sum += intermediate[((rows.Start[y] - firstRow + t) * intermediateWidth * 3) + i] * rows.Weights[(y * rows.KernelSize) + t];
                }

                output[(y * outWidth * 3) + i] = (byte)Math.Clamp(sum >> ResampleCoefficients.PrecisionBits, 0, 255);
            }
        }

        return output;
    }

    private static byte[] RandomPixels(int width, int height, int seed)
    {
        byte[] pixels = new byte[width * height * 3];
        new Random(seed).NextBytes(pixels);
        return pixels;
    }
}

namespace BlipCaptioning.Tests.Preprocessing;

/// <summary>The largest per-byte difference between two RGB24 images and where it is.</summary>
internal readonly record struct PixelComparison(int MaxDifference, int X, int Y, int Channel, byte Expected, byte Actual, double MeanDifference, int Width)
{
    private static readonly string[] ChannelNames = ["R", "G", "B"];

    public static PixelComparison Compare(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> actual, int width)
    {
        Assert.Equal(expected.Length, actual.Length);
        int worst = -1, at = 0;
        long total = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            int d = Math.Abs(expected[i] - actual[i]);
            total += d;
            if (d > worst)
            {
                worst = d;
                at = i;
            }
        }

        int pixel = at / 3;
        return new PixelComparison(worst, pixel % width, pixel / width, at % 3, expected[at], actual[at], (double)total / expected.Length, width);
    }

    public string Describe(string image) =>
        $"{image}: largest difference {MaxDifference} at pixel (x={X}, y={Y}) channel {ChannelNames[Channel]}: PIL {Expected}, ours {Actual}; mean |difference| {MeanDifference:F4}";
}

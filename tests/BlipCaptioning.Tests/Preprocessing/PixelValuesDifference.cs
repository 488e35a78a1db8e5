using System.Globalization;

namespace BlipCaptioning.Tests.Preprocessing;

/// <summary>
/// The worst element of two [3, 384, 384] pixel tensors (ours against transformers'), in normalised units and in 8-bit
/// steps (|difference| × 255 × std of the channel), and the mean difference in steps.
/// </summary>
internal readonly record struct PixelValuesDifference(double MaxSteps, int Channel, int Y, int X, float Ours, float Transformers, double MeanSteps)
{
    public static PixelValuesDifference Measure(ReadOnlySpan<float> ours, ReadOnlySpan<float> transformers, IReadOnlyList<float> std)
    {
        Assert.Equal(transformers.Length, ours.Length);
        int plane = ours.Length / 3;
        double worst = -1, total = 0;
        int at = 0;
        for (int i = 0; i < ours.Length; i++)
        {
            double steps = Math.Abs((double)ours[i] - transformers[i]) * 255 * std[i / plane];
            total += steps;
            if (double.IsNaN(steps) || steps > worst)
            {
                worst = double.IsNaN(steps) ? double.PositiveInfinity : steps;
                at = i;
            }
        }

        int side = (int)Math.Round(Math.Sqrt(plane));
        int within = at % plane;
        return new PixelValuesDifference(worst, at / plane, within / side, within % side, ours[at], transformers[at], total / ours.Length);
    }

    public string Describe(string image) => string.Create(CultureInfo.InvariantCulture,
        $"{image} pixel_values: worst element [{Channel}, {Y}, {X}]: ours {Ours:R}, transformers {Transformers:R} ({MaxSteps:F3} 8-bit steps); mean {MeanSteps:F4} steps");
}

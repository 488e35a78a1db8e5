using System.Globalization;
using Xunit.Abstractions;

namespace BlipCaptioning.Conversion.Tests.Onnx;

/// <summary>Compares float tensors element by element and reports the worst difference.</summary>
internal static class TensorComparison
{
    /// <summary>
    /// Asserts max |ours − theirs| ≤ <paramref name="tolerance"/>, logs the worst difference, and on failure names
    /// <paramref name="what"/>, the worst element's index and both values.
    /// </summary>
    public static double AssertClose(ReadOnlySpan<float> ours, ReadOnlySpan<float> theirs, long[] shape, double tolerance, string what, ITestOutputHelper? output = null)
    {
        var difference = Measure(ours, theirs, shape, what);
        output?.WriteLine(difference.Describe(what));
        Assert.True(difference.Max <= tolerance, string.Create(CultureInfo.InvariantCulture,
            $"{what}: max |diff| {difference.Max:E3} > {tolerance:E1} at [{difference.Index}]: ours {difference.Ours:R}, theirs {difference.Theirs:R}"));
        return difference.Max;
    }

    /// <summary>The largest |ours − theirs| (NaN counts as infinite), where it is, and the mean |ours − theirs|.</summary>
    public static TensorDifference Measure(ReadOnlySpan<float> ours, ReadOnlySpan<float> theirs, long[] shape, string what)
    {
        Assert.True(ours.Length == theirs.Length, $"{what}: {ours.Length} values, expected {theirs.Length}.");
        double worst = 0, total = 0;
        var worstIndex = 0;
        for (var i = 0; i < ours.Length; i++)
        {
            var difference = Math.Abs((double)ours[i] - theirs[i]);
            total += difference;
            if (double.IsNaN(difference) || difference > worst)
            {
                worst = double.IsNaN(difference) ? double.PositiveInfinity : difference;
                worstIndex = i;
            }
        }

        return new TensorDifference(worst, Unravel(worstIndex, shape), ours[worstIndex], theirs[worstIndex], total / Math.Max(ours.Length, 1));
    }

    /// <summary>
    /// Asserts that <paramref name="ours"/> and <paramref name="theirs"/> have the same top-1 and top-2 ids (ties to the
    /// lowest id); on failure names <paramref name="what"/>, both pairs and both logits of each. Returns our pair.
    /// </summary>
    public static (int Top1, int Top2) AssertSameTopTwo(ReadOnlySpan<float> ours, ReadOnlySpan<float> theirs, string what)
    {
        var (top1, top2) = TopTwo(ours);
        var (theirTop1, theirTop2) = TopTwo(theirs);
        Assert.True(top1 == theirTop1 && top2 == theirTop2, string.Create(CultureInfo.InvariantCulture,
            $"{what}: top-2 ids ours ({top1}: {ours[top1]:R}, {top2}: {ours[top2]:R}), transformers ({theirTop1}: {theirs[theirTop1]:R}, {theirTop2}: {theirs[theirTop2]:R})"));
        return (top1, top2);
    }

    public static (int Top1, int Top2) TopTwo(ReadOnlySpan<float> logits)
    {
        int top1 = -1, top2 = -1;
        for (var i = 0; i < logits.Length; i++)
        {
            if (top1 < 0 || logits[i] > logits[top1])
            {
                top2 = top1;
                top1 = i;
            }
            else if (top2 < 0 || logits[i] > logits[top2])
            {
                top2 = i;
            }
        }

        return (top1, top2);
    }

    private static string Unravel(long flat, long[] shape)
    {
        var index = new long[shape.Length];
        for (var axis = shape.Length - 1; axis >= 0; axis--)
        {
            var size = Math.Max(shape[axis], 1);
            index[axis] = flat % size;
            flat /= size;
        }

        return string.Join(", ", index);
    }
}

/// <summary>The worst element of a comparison: |difference|, its index ("0, 12, 7"), both values; and the mean |difference|.</summary>
internal readonly record struct TensorDifference(double Max, string Index, float Ours, float Theirs, double Mean)
{
    public string Describe(string what) => string.Create(CultureInfo.InvariantCulture,
        $"{what}: max |diff| = {Max:E3} at [{Index}] (ours {Ours:R}, theirs {Theirs:R})");
}

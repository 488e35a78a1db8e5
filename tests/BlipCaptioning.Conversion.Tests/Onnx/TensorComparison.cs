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
        Assert.True(ours.Length == theirs.Length, $"{what}: {ours.Length} values, expected {theirs.Length}.");
        double worst = 0;
        var worstIndex = 0;
        for (var i = 0; i < ours.Length; i++)
        {
            var difference = Math.Abs((double)ours[i] - theirs[i]);
            if (double.IsNaN(difference) || difference > worst)
            {
                worst = double.IsNaN(difference) ? double.PositiveInfinity : difference;
                worstIndex = i;
            }
        }

        var index = Unravel(worstIndex, shape);
        output?.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{what}: max |diff| = {worst:E3} at [{index}] (ours {ours[worstIndex]:R}, theirs {theirs[worstIndex]:R})"));
        Assert.True(worst <= tolerance, string.Create(CultureInfo.InvariantCulture,
            $"{what}: max |diff| {worst:E3} > {tolerance:E1} at [{index}]: ours {ours[worstIndex]:R}, theirs {theirs[worstIndex]:R}"));
        return worst;
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

using System.Globalization;
using System.Numerics;
using BlipCaptioning.Conversion.Checkpoints;

namespace BlipCaptioning.Conversion.Building;

/// <summary>
/// Refuses a checkpoint whose weights hold NaN or infinity: such a model captions noise and gives NaN scores, which
/// no JSON writer accepts. The whole check reads every weight once (well under a second for BLIP base).
/// </summary>
internal static class FiniteWeights
{
    /// <exception cref="CheckpointFormatException">A weight holds NaN or ±infinity; the message names it and the first position.</exception>
    public static void Check(BlipCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        foreach (var (name, tensor) in checkpoint.Weights)
        {
            if (IndexOfNonFinite(tensor.Data) is { } index)
            {
                var where = string.Create(CultureInfo.InvariantCulture, $"{tensor.Data[index]} at position {index} of {tensor.Data.LongLength}");
                throw new CheckpointFormatException(
                    $"The checkpoint '{checkpoint.Source}' weight '{name}' holds {where}; a model with NaN or infinite weights captions noise, "
                    + "so it is not built. Get an intact copy of the checkpoint.");
            }
        }
    }

    /// <summary>The index of the first NaN or ±infinity, or null when every value is finite.</summary>
    public static long? IndexOfNonFinite(ReadOnlySpan<float> values)
    {
        int start = 0;
        if (Vector.IsHardwareAccelerated && values.Length >= Vector<float>.Count)
        {
            // x - x is 0 for every finite x and NaN for NaN and ±infinity.
            for (; start <= values.Length - Vector<float>.Count; start += Vector<float>.Count)
            {
                var block = new Vector<float>(values[start..]);
                if (!Vector.EqualsAll(block - block, Vector<float>.Zero))
                {
                    break;
                }
            }
        }

        for (int index = start; index < values.Length; index++)
        {
            if (!float.IsFinite(values[index]))
            {
                return index;
            }
        }

        return null;
    }
}

using BlipCaptioning.Model;

namespace BlipCaptioning.Conversion.Tests.Onnx;

/// <summary>Builds the decoder graph's inputs (tests only).</summary>
internal static class DecoderInputs
{
    /// <summary>
    /// input_ids [batch, seq] from <paramref name="rows"/> (equal lengths), the past from a previous step's outputs
    /// (or empty [batch, heads, 0, hd] when null), and the cross keys/values.
    /// </summary>
    public static Dictionary<string, HostTensor> Create(TextDimensions text, long[][] rows, IReadOnlyDictionary<string, HostTensor>? previous,
        IReadOnlyDictionary<string, HostTensor> cross)
    {
        var batch = rows.Length;
        var seq = rows[0].Length;
        var inputs = new Dictionary<string, HostTensor>(StringComparer.Ordinal)
        {
            [BlipModelContract.InputIds] = HostTensor.Int64s([.. rows.SelectMany(row => row)], batch, seq),
        };
        for (var i = 0; i < text.Layers; i++)
        {
            inputs[BlipModelContract.PastKey(i)] = previous?[BlipModelContract.PresentKey(i)] ?? HostTensor.Floats([], batch, text.Heads, 0, text.HeadDim);
            inputs[BlipModelContract.PastValue(i)] = previous?[BlipModelContract.PresentValue(i)] ?? HostTensor.Floats([], batch, text.Heads, 0, text.HeadDim);
        }

        for (var i = 0; i < text.Layers; i++)
        {
            inputs[BlipModelContract.CrossKey(i)] = cross[BlipModelContract.CrossKey(i)];
            inputs[BlipModelContract.CrossValue(i)] = cross[BlipModelContract.CrossValue(i)];
        }

        return inputs;
    }
}

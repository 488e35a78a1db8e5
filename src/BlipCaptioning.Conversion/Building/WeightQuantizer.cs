namespace BlipCaptioning.Conversion.Building;

/// <summary>
/// Symmetric int8 quantization of float32 weights, done once at build time: every group of weights (an output
/// column, or a block of one) gets the scale max|w| / 127, and each weight becomes round(w / scale) in [-127, 127].
/// The quantized value times the scale is within scale / 2 of the weight.
/// </summary>
/// <remarks>
/// Symmetric (zero point 0) because trained weights are centred on zero; -128 is never used, so the range is the same
/// on both sides. Rounding is to nearest, ties to even, like ONNX's QuantizeLinear.
/// </remarks>
internal static class WeightQuantizer
{
    /// <summary>The largest magnitude a quantized weight takes.</summary>
    public const int Int8Limit = 127;

    /// <summary>The offset of the unsigned codes of <see cref="Blockwise"/> (ONNX Runtime's MatMulNBits default zero point for 8 bits).</summary>
    public const int BlockwiseZeroPoint = 128;

    /// <summary>
    /// Quantizes a torch Linear weight [out, in] per output feature and returns it transposed, [in, out] row-major
    /// (the layout of MatMul's B), with one scale per output feature.
    /// </summary>
    public static (sbyte[] Values, float[] Scales) PerOutputFeature(float[] weight, int outFeatures, int inFeatures)
    {
        ArgumentNullException.ThrowIfNull(weight);
        CheckShape(weight.LongLength, outFeatures, inFeatures);
        var values = new sbyte[weight.LongLength];
        var scales = new float[outFeatures];
        for (var o = 0; o < outFeatures; o++)
        {
            var row = weight.AsSpan(o * inFeatures, inFeatures);
            var scale = ScaleOf(row);
            scales[o] = scale;
            for (var i = 0; i < inFeatures; i++)
            {
                values[((long)i * outFeatures) + o] = (sbyte)Quantize(row[i], scale);
            }
        }

        return (values, scales);
    }

    /// <summary>
    /// Quantizes each row of a row-major matrix [rows, cols] in blocks of <paramref name="blockSize"/> columns:
    /// codes [rows, blocks, blockSize] as unsigned bytes (value + 128; a last partial block is padded with 128, i.e.
    /// zero) and scales [rows, blocks]. This is the B layout of ONNX Runtime's MatMulNBits with bits = 8 for a torch
    /// Linear weight [out, in], and a row-wise quantized table for an embedding [vocab, hidden].
    /// </summary>
    public static (byte[] Codes, float[] Scales) Blockwise(float[] matrix, int rows, int cols, int blockSize)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        CheckShape(matrix.LongLength, rows, cols);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        var blocks = BlockCount(cols, blockSize);
        var codes = new byte[(long)rows * blocks * blockSize];
        Array.Fill(codes, (byte)BlockwiseZeroPoint);
        var scales = new float[(long)rows * blocks];
        for (var r = 0; r < rows; r++)
        {
            for (var b = 0; b < blocks; b++)
            {
                var start = b * blockSize;
                var block = matrix.AsSpan((r * cols) + start, Math.Min(blockSize, cols - start));
                var scale = ScaleOf(block);
                scales[((long)r * blocks) + b] = scale;
                var offset = (((long)r * blocks) + b) * blockSize;
                for (var i = 0; i < block.Length; i++)
                {
                    codes[offset + i] = (byte)(Quantize(block[i], scale) + BlockwiseZeroPoint);
                }
            }
        }

        return (codes, scales);
    }

    /// <summary>The number of blocks of <paramref name="blockSize"/> that cover <paramref name="length"/> values.</summary>
    public static int BlockCount(int length, int blockSize) => (length + blockSize - 1) / blockSize;

    /// <summary>max|w| / 127, or 0 for an all-zero group (whose values then all quantize to 0).</summary>
    private static float ScaleOf(ReadOnlySpan<float> values)
    {
        var max = 0f;
        foreach (var value in values)
        {
            if (!float.IsFinite(value))
            {
                throw new ArgumentException("A weight to quantize is not finite.", nameof(values));
            }

            max = Math.Max(max, Math.Abs(value));
        }

        return max / Int8Limit;
    }

    private static int Quantize(float value, float scale) =>
        scale == 0 ? 0 : (int)Math.Clamp(Math.Round(value / (double)scale, MidpointRounding.ToEven), -Int8Limit, Int8Limit);

    private static void CheckShape(long length, int rows, int cols)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(cols, 1);
        if (length != (long)rows * cols)
        {
            throw new ArgumentException($"A [{rows}, {cols}] matrix holds {(long)rows * cols} values, not {length}.");
        }
    }
}

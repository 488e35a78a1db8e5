using BlipCaptioning.Conversion.Building;

namespace BlipCaptioning.Conversion.Tests.Building;

public sealed class WeightQuantizerTests
{
    [Fact]
    public void PerOutputFeature_TorchLinearWeight_IsTransposedWithEachOutputFeaturesMaxMappedTo127()
    {
        // torch Linear [out = 2, in = 3]
        float[] weight =
        [
            1.0f, -0.5f, 0.25f,
            -4.0f, 2.0f, 1.0f,
        ];

        var (values, scales) = WeightQuantizer.PerOutputFeature(weight, outFeatures: 2, inFeatures: 3);

        Assert.Equal([1f / 127, 4f / 127], scales);
        // [in = 3, out = 2]: 1.0 → 127, -0.5 → -63.5 → -64 (ties to even), 0.25 → 31.75 → 32; -4 → -127, 2 → 63.5 → 64, 1 → 31.75 → 32
        Assert.Equal(new sbyte[] { 127, -127, -64, 64, 32, 32 }, values);
    }

    [Fact]
    public void PerOutputFeature_AllZeroOutputFeature_HasScaleZeroAndZeroValues()
    {
        var (values, scales) = WeightQuantizer.PerOutputFeature([0f, 0f, 3f, -1f], outFeatures: 2, inFeatures: 2);

        Assert.Equal([0f, 3f / 127], scales);
        Assert.Equal(new sbyte[] { 0, 127, 0, -42 }, values);
    }

    [Fact]
    public void Blockwise_LastBlockPartial_PadsWithTheZeroPointAndScalesEachBlock()
    {
        // one row of 20 values in blocks of 16: block 0 = 0..15 (max 15), block 1 = 16..19 (max 19) + 12 padding codes
        var row = Enumerable.Range(0, 20).Select(i => (float)i).ToArray();

        var (codes, scales) = WeightQuantizer.Blockwise(row, rows: 1, cols: 20, blockSize: 16);

        Assert.Equal(32, codes.Length);
        Assert.Equal([15f / 127, 19f / 127], scales);
        Assert.Equal(128, codes[0]);
        Assert.Equal(128 + 127, codes[15]);
        Assert.Equal(128 + 107, codes[16]); // 16 / (19 / 127) = 106.9
        Assert.Equal(128 + 127, codes[19]);
        Assert.All(codes[20..], code => Assert.Equal(128, code));
    }

    [Fact]
    public void Blockwise_RandomMatrix_EveryValueIsWithinHalfItsBlockScaleAfterDequantization()
    {
        const int rows = 7, cols = 100, blockSize = 32;
        var random = new Random(5);
        var matrix = Enumerable.Range(0, rows * cols).Select(_ => (float)((random.NextDouble() * 2) - 1) * (1 + random.Next(50))).ToArray();

        var (codes, scales) = WeightQuantizer.Blockwise(matrix, rows, cols, blockSize);

        var blocks = WeightQuantizer.BlockCount(cols, blockSize);
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < cols; c++)
            {
                var scale = scales[(r * blocks) + (c / blockSize)];
                var dequantized = (codes[(((r * blocks) + (c / blockSize)) * blockSize) + (c % blockSize)] - 128) * scale;
                Assert.InRange(Math.Abs(dequantized - matrix[(r * cols) + c]), 0, (scale / 2) * 1.0001);
            }
        }
    }

    [Fact]
    public void PerOutputFeature_RandomMatrix_EveryValueIsWithinHalfItsColumnScaleAfterDequantization()
    {
        const int outFeatures = 9, inFeatures = 33;
        var random = new Random(6);
        var weight = Enumerable.Range(0, outFeatures * inFeatures).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();

        var (values, scales) = WeightQuantizer.PerOutputFeature(weight, outFeatures, inFeatures);

        for (var o = 0; o < outFeatures; o++)
        {
            for (var i = 0; i < inFeatures; i++)
            {
                var dequantized = values[(i * outFeatures) + o] * scales[o];
                Assert.InRange(Math.Abs(dequantized - weight[(o * inFeatures) + i]), 0, (scales[o] / 2) * 1.0001);
            }
        }
    }

    [Fact]
    public void Quantize_NonFiniteWeight_Throws()
    {
        Assert.Throws<ArgumentException>(() => WeightQuantizer.PerOutputFeature([1f, float.NaN], 1, 2));
        Assert.Throws<ArgumentException>(() => WeightQuantizer.Blockwise([float.PositiveInfinity, 0f], 1, 2, 16));
    }

    [Fact]
    public void Quantize_ShapeThatDoesNotMatchTheValues_Throws()
    {
        Assert.Throws<ArgumentException>(() => WeightQuantizer.PerOutputFeature(new float[5], 2, 3));
        Assert.Throws<ArgumentException>(() => WeightQuantizer.Blockwise(new float[5], 2, 3, 16));
    }
}

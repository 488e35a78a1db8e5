using BlipCaptioning.Conversion.Building;
using BlipCaptioning.Conversion.Checkpoints;
using BlipCaptioning.Conversion.Onnx;
using BlipCaptioning.Conversion.Tests.Building;
using BlipCaptioning.Testing;
using Xunit.Abstractions;

namespace BlipCaptioning.Conversion.Tests.Onnx;

/// <summary>
/// One Linear layer written in each int8 format and run in ONNX Runtime: every output is within the error that
/// rounding x and W to 8 bits can cause, and rows do not influence each other's quantization.
/// </summary>
public sealed class Int8LinearTests(ITestOutputHelper output) : IDisposable
{
    private const int InFeatures = 80;   // two full blocks of 32 and a partial one
    private const int OutFeatures = 50;

    private readonly TemporaryFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>The int8 <see cref="LinearFormat"/>s by name (the enum is internal to the converter).</summary>
    public static TheoryData<string> Int8Formats => new(nameof(LinearFormat.DynamicPerRow), nameof(LinearFormat.Blockwise));

    [Theory]
    [MemberData(nameof(Int8Formats))]
    public void Linear_Int8Format_EveryOutputIsWithinTheQuantizationErrorBound(string formatName)
    {
        var format = Enum.Parse<LinearFormat>(formatName);
        var (weight, bias) = Weights(seed: 11);
        var x = Activations(rows: 6, seed: 12);
        using var session = new GraphSession(Write(format, weight, bias, x3d: true));

        var y = session.Run(new Dictionary<string, HostTensor> { ["x"] = HostTensor.Floats(x, 2, 3, InFeatures) })["y"];

        Assert.Equal([2L, 3, OutFeatures], y.Shape);
        double worstRatio = 0;
        for (var m = 0; m < 6; m++)
        {
            var row = x.AsSpan(m * InFeatures, InFeatures);
            // x's quantization step: max|row| / 127 (Blockwise uses per-block steps, which are no larger).
            var xStep = MaxAbs(row) / 127;
            for (var n = 0; n < OutFeatures; n++)
            {
                var column = weight.AsSpan(n * InFeatures, InFeatures);
                var wStep = MaxAbs(column) / 127; // the per-block weight steps of Blockwise are no larger either
                double exact = bias[n], bound = 0;
                for (var k = 0; k < InFeatures; k++)
                {
                    exact += (double)row[k] * column[k];
                    // |x̂ŵ − xw| ≤ |x|·|ŵ − w| + |w|·|x̂ − x| + |x̂ − x|·|ŵ − w|, each rounding error at most half a step
                    bound += (Math.Abs(row[k]) * wStep / 2) + (Math.Abs(column[k]) * xStep / 2) + (xStep * wStep / 4);
                }

                var error = Math.Abs(y.AsFloats()[(m * OutFeatures) + n] - exact);
                var allowed = (bound * 1.001) + 1e-5; // + float32 rounding of the sums
                Assert.True(error <= allowed, $"{format}: row {m} output {n}: |error| {error:E3} > bound {allowed:E3}");
                worstRatio = Math.Max(worstRatio, error / allowed);
            }
        }

        output.WriteLine($"{format}: the largest error is {worstRatio:P0} of its bound");
    }

    [Theory]
    [MemberData(nameof(Int8Formats))]
    public void Linear_Int8Format_RowsComputedTogetherEqualEachRowComputedAlone(string formatName)
    {
        var format = Enum.Parse<LinearFormat>(formatName);
        var (weight, bias) = Weights(seed: 21);
        // Rows of very different magnitudes: with one scale for the whole tensor the small rows would lose their precision.
        var x = Activations(rows: 4, seed: 22);
        for (var k = 0; k < InFeatures; k++)
        {
            x[k] *= 1000;
            x[(2 * InFeatures) + k] *= 0.001f;
        }

        using var session = new GraphSession(Write(format, weight, bias, x3d: false));
        var together = session.Run(new Dictionary<string, HostTensor> { ["x"] = HostTensor.Floats(x, 4, InFeatures) })["y"].AsFloats();

        for (var m = 0; m < 4; m++)
        {
            var alone = session.Run(new Dictionary<string, HostTensor> { ["x"] = HostTensor.Floats(x[(m * InFeatures)..((m + 1) * InFeatures)], 1, InFeatures) })["y"].AsFloats();
            var scale = Math.Max(1e-30, MaxAbs(alone));
            TensorComparison.AssertClose(together.AsSpan(m * OutFeatures, OutFeatures), alone, [OutFeatures], 1e-5 * scale,
                $"{format}: row {m} together vs alone", output);
        }
    }

    private string Write(LinearFormat format, float[] weight, float[] bias, bool x3d)
    {
        var checkpoint = new BlipCheckpoint(SyntheticCheckpoint.TinyArchitecture(), new Dictionary<string, CheckpointTensor>(), "test");
        var weights = new CheckpointWeights(checkpoint, format, blockSize: 32);
        var g = new OnnxGraphBuilder("linear");
        var x = x3d
            ? g.Input("x", OnnxElementType.Float32, "batch", "seq", InFeatures)
            : g.Input("x", OnnxElementType.Float32, "rows", InFeatures);
        var b = g.Initializer("b", OnnxTensorData.Floats(bias, OutFeatures));
        weights.Project(g, x, "w", weight, InFeatures, OutFeatures, () => b, "y");
        if (x3d)
        {
            g.Output("y", OnnxElementType.Float32, "batch", "seq", OutFeatures);
        }
        else
        {
            g.Output("y", OnnxElementType.Float32, "rows", OutFeatures);
        }

        var path = _temp.Combine($"linear-{format}-{(x3d ? 3 : 2)}d.onnx");
        OnnxModelWriter.Write(g, path);
        return path;
    }

    /// <summary>A torch Linear [out, in] whose output features have magnitudes from 0.01 to 10, and a bias.</summary>
    private static (float[] Weight, float[] Bias) Weights(int seed)
    {
        var random = new Random(seed);
        var weight = new float[OutFeatures * InFeatures];
        for (var n = 0; n < OutFeatures; n++)
        {
            var magnitude = Math.Pow(10, -2 + (3.0 * n / (OutFeatures - 1)));
            for (var k = 0; k < InFeatures; k++)
            {
                weight[(n * InFeatures) + k] = (float)(((random.NextDouble() * 2) - 1) * magnitude);
            }
        }

        return (weight, [.. Enumerable.Range(0, OutFeatures).Select(_ => (float)((random.NextDouble() * 2) - 1))]);
    }

    /// <summary>Rows of uniform noise in [-3, 3] with one outlier of 40 per row.</summary>
    private static float[] Activations(int rows, int seed)
    {
        var random = new Random(seed);
        var x = new float[rows * InFeatures];
        for (var i = 0; i < x.Length; i++)
        {
            x[i] = (float)(((random.NextDouble() * 2) - 1) * 3);
        }

        for (var m = 0; m < rows; m++)
        {
            x[(m * InFeatures) + random.Next(InFeatures)] = 40;
        }

        return x;
    }

    private static float MaxAbs(ReadOnlySpan<float> values)
    {
        var max = 0f;
        foreach (var value in values)
        {
            max = Math.Max(max, Math.Abs(value));
        }

        return max;
    }
}

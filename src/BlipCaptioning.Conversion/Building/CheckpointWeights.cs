using BlipCaptioning.Conversion.Checkpoints;
using BlipCaptioning.Conversion.Onnx;
using BlipCaptioning.Errors;

namespace BlipCaptioning.Conversion.Building;

/// <summary>
/// Takes weights out of a checkpoint by their transformers names, checks their shapes against the architecture,
/// and adds them to a graph as initializers; Linear layers are written in <paramref name="linearFormat"/>.
/// </summary>
internal sealed class CheckpointWeights(BlipCheckpoint checkpoint, LinearFormat linearFormat = LinearFormat.Float32, int blockSize = 32)
{
    /// <summary>The largest |x| a row of activations is quantized as if it had: all-zero rows get a finite scale.</summary>
    private const float SmallestRowMaximum = 1e-12f;

    /// <summary>
    /// Each input's per-row int8 codes and scales, by graph and tensor name, so that Linear layers reading the same
    /// tensor (the cross-attention graph's 24 key/value projections of image_embeds) quantize it once.
    /// </summary>
    private readonly Dictionary<(OnnxGraphBuilder Graph, string Input), QuantizedRows> quantizedInputs = [];

    public LinearFormat LinearFormat => linearFormat;

    public bool Contains(string name) => checkpoint.Weights.ContainsKey(name);

    /// <summary>The weight's values after checking that its torch shape is exactly <paramref name="shape"/>.</summary>
    public float[] Get(string name, params int[] shape)
    {
        if (!checkpoint.Weights.TryGetValue(name, out var tensor))
        {
            throw new CaptioningException(
                $"The checkpoint '{checkpoint.Source}' has no weight named '{name}'. Is it a BlipForConditionalGeneration (image captioning) checkpoint?");
        }

        if (!tensor.Shape.SequenceEqual(shape))
        {
            throw new CaptioningException(
                $"The checkpoint weight '{name}' has shape [{string.Join(", ", tensor.Shape)}] but config.json implies [{string.Join(", ", shape)}]. " +
                "The config and the weights do not belong together.");
        }

        if (tensor.Data.LongLength != shape.Aggregate(1L, (product, dim) => product * dim))
        {
            throw new CaptioningException($"The checkpoint weight '{name}' holds {tensor.Data.LongLength} values, which does not match its shape.");
        }

        return tensor.Data;
    }

    /// <summary>Adds a 1-D or N-D weight as it is.</summary>
    public string Tensor(OnnxGraphBuilder g, string name, params int[] shape) =>
        g.Initializer(name, OnnxTensorData.Floats(Get(name, shape), [.. shape.Select(dim => (long)dim)]));

    /// <summary>
    /// A torch Linear <c>{prefix}.weight</c> [out, in] and <c>{prefix}.bias</c> [out] applied to the last axis of x,
    /// in this instance's <see cref="LinearFormat"/>.
    /// </summary>
    public string Linear(OnnxGraphBuilder g, string x, string prefix, int inFeatures, int outFeatures) =>
        Project(g, x, prefix + ".weight", Get(prefix + ".weight", outFeatures, inFeatures), inFeatures, outFeatures, () => Tensor(g, prefix + ".bias", outFeatures));

    /// <summary>
    /// x·Wᵀ + bias for a torch-layout weight [out, in] given by value, in this instance's <see cref="LinearFormat"/>;
    /// the result is named <paramref name="output"/> when given. <paramref name="addBias"/> adds the bias initializer
    /// (after the weight's, so that fp32 graphs keep their initializer order) and returns its name.
    /// </summary>
    public string Project(OnnxGraphBuilder g, string x, string weightName, float[] weight, int inFeatures, int outFeatures, Func<string> addBias, string? output = null)
    {
        ArgumentNullException.ThrowIfNull(addBias);
        switch (linearFormat)
        {
            case LinearFormat.Float32:
                // MatMul with the pre-transposed weight, then Add the bias.
                var transposed = g.Initializer(weightName, OnnxTensorData.TransposedMatrix(weight, outFeatures, inFeatures));
                return g.Add(g.MatMul(x, transposed), addBias(), output);

            case LinearFormat.DynamicPerRow:
                {
                    var (values, scales) = WeightQuantizer.PerOutputFeature(weight, outFeatures, inFeatures);
                    var w = g.Initializer(weightName + "_int8", OnnxTensorData.Int8s(values, inFeatures, outFeatures));
                    var s = g.Initializer(weightName + "_scale", OnnxTensorData.Floats(scales, outFeatures));
                    return PerRowInt8MatMul(g, x, w, s, inFeatures, outFeatures, addBias(), output);
                }

            case LinearFormat.Blockwise:
                return MatMulNBits(g, x, AddBlockwise(g, weightName, weight, outFeatures, inFeatures), addBias(), output);

            default:
                throw new InvalidOperationException($"Unknown linear format {linearFormat}.");
        }
    }

    /// <summary>Adds a row-major matrix [rows, cols] as blockwise 8-bit codes and scales (see <see cref="WeightQuantizer.Blockwise"/>).</summary>
    public BlockwiseMatrix AddBlockwise(OnnxGraphBuilder g, string name, float[] matrix, int rows, int cols)
    {
        var (codes, scales) = WeightQuantizer.Blockwise(matrix, rows, cols, blockSize);
        var blocks = WeightQuantizer.BlockCount(cols, blockSize);
        return new BlockwiseMatrix(
            g.Initializer(name + "_q8", OnnxTensorData.UInt8s(codes, rows, blocks, blockSize)),
            g.Initializer(name + "_scale", OnnxTensorData.Floats(scales, rows, blocks)),
            rows, cols, blockSize);
    }

    /// <summary>x·Wᵀ + bias with ONNX Runtime's MatMulNBits (8 bits; int8 arithmetic, x quantized per row and block).</summary>
    public static string MatMulNBits(OnnxGraphBuilder g, string x, BlockwiseMatrix weight, string bias, string? output = null) =>
        g.Node("MatMulNBits", [x, weight.Codes, weight.Scales, string.Empty, string.Empty, bias],
            [
                OnnxAttribute.Int("K", weight.Columns), OnnxAttribute.Int("N", weight.Rows), OnnxAttribute.Int("bits", 8),
                OnnxAttribute.Int("block_size", weight.BlockSize), OnnxAttribute.Int("accuracy_level", 4),
            ],
            output, OnnxDomains.Microsoft);

    /// <summary>LayerNormalization over the last axis with <c>{prefix}.weight</c> and <c>{prefix}.bias</c>.</summary>
    public string LayerNorm(OnnxGraphBuilder g, string x, string prefix, int width, double epsilon, string? output = null) =>
        g.LayerNorm(x, Tensor(g, prefix + ".weight", width), Tensor(g, prefix + ".bias", width), epsilon, output);

    /// <summary>
    /// x [..., in] · W [in, out] (int8, per-column scales) + bias with every row of x quantized on its own:
    /// scale = max|row| / 127 and codes = QuantizeLinear(row, scale, zero point 128) as uint8; then ONNX Runtime's
    /// MatMulIntegerToFloat gives (codes − 128)·W × column scale in float32, which times the row scale plus the bias is y.
    /// </summary>
    /// <remarks>
    /// MatMulIntegerToFloat takes one scale for all of x, so the per-row scale is applied after it; measured on the
    /// base vision encoder's shapes this costs about 5-10% over a single scale for the whole tensor (DynamicQuantizeMatMul),
    /// and 10-15% less than the same arithmetic in standard operators (MatMulInteger, Cast, Mul).
    /// </remarks>
    private string PerRowInt8MatMul(OnnxGraphBuilder g, string x, string weight, string weightScales, int inFeatures, int outFeatures, string bias, string? output)
    {
        var quantized = QuantizedRowsOf(g, x, inFeatures);
        var products = g.Node("MatMulIntegerToFloat",
            [quantized.Codes, weight, g.FloatScalar(1f), weightScales, g.UInt8Scalar((byte)WeightQuantizer.BlockwiseZeroPoint)],
            domain: OnnxDomains.Microsoft);
        var y = g.Add(g.Mul(products, g.Unsqueeze(quantized.Scales, 1)), bias);                     // [M, out]
        var shape = g.Concat(0, [g.ShapeOf(x, 0, -1), g.Int64s(outFeatures)]);
        return g.Node("Reshape", [y, shape], output: output);
    }

    /// <summary>x's rows quantized by <see cref="QuantizeRows"/>, added to the graph the first time x is quantized.</summary>
    private QuantizedRows QuantizedRowsOf(OnnxGraphBuilder g, string x, int inFeatures)
    {
        if (!quantizedInputs.TryGetValue((g, x), out var quantized))
        {
            quantized = QuantizeRows(g, x, inFeatures);
            quantizedInputs.Add((g, x), quantized);
        }

        return quantized;
    }

    /// <summary>x [..., in] as rows [M, in] quantized to uint8 (zero point 128) with one scale per row: max|row| / 127.</summary>
    private static QuantizedRows QuantizeRows(OnnxGraphBuilder g, string x, int inFeatures)
    {
        var rows = g.Reshape(x, -1, inFeatures);                                                     // [M, in]
        var rowMax = g.Node("ReduceMax", [g.Node("Abs", [rows])], [OnnxAttribute.Ints("axes", 1), OnnxAttribute.Int("keepdims", 0)]);
        var rowScale = g.Div(g.Node("Max", [rowMax, g.FloatScalar(SmallestRowMaximum)]), g.FloatScalar(WeightQuantizer.Int8Limit)); // [M]
        var zeroPoints = g.Node("Expand", [g.UInt8s((byte)WeightQuantizer.BlockwiseZeroPoint), g.ShapeOf(rowScale)]); // [M] of 128
        return new QuantizedRows(g.Node("QuantizeLinear", [rows, rowScale, zeroPoints], [OnnxAttribute.Int("axis", 0)]), rowScale);
    }

    /// <summary>The uint8 codes [M, in] of a tensor's rows and their scales [M].</summary>
    private sealed record QuantizedRows(string Codes, string Scales);
}

/// <summary>A matrix [rows, cols] stored as 8-bit codes [rows, blocks, blockSize] (zero point 128) and scales [rows, blocks].</summary>
internal sealed record BlockwiseMatrix(string Codes, string Scales, int Rows, int Columns, int BlockSize)
{
    public int Blocks => WeightQuantizer.BlockCount(Columns, BlockSize);
}

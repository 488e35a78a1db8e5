namespace BlipCaptioning.Conversion.Building;

/// <summary>How a graph writes its Linear layers (y = x·Wᵀ + b) and stores their weights.</summary>
internal enum LinearFormat
{
    /// <summary>float32 weights, MatMul + Add.</summary>
    Float32,

    /// <summary>
    /// int8 weights with one scale per output feature; every row of x (one token of one image) is quantized to uint8
    /// with its own scale (ReduceMax, QuantizeLinear, then ONNX Runtime's com.microsoft MatMulIntegerToFloat). Rows do not
    /// influence each other, so batching does not change results.
    /// </summary>
    DynamicPerRow,

    /// <summary>
    /// 8-bit weights with one scale per block of <see cref="QuantizationPlan.BlockSize"/> input features of each
    /// output feature (ONNX Runtime's com.microsoft MatMulNBits, bits = 8, accuracy_level 4: x is quantized to int8
    /// per row and block at run time). Rows do not influence each other.
    /// </summary>
    Blockwise,
}

/// <summary>How each graph is written for a <see cref="ModelPrecision"/>: its <see cref="LinearFormat"/>, the block size, fused attention.</summary>
/// <remarks>
/// <see cref="Int8"/>'s choices and the measurements behind them are in docs/int8.md: per-row int8 GEMMs where the
/// inputs are large (577 tokens per image) and batches must not influence each other; blockwise 8-bit weights in the
/// memory-bound decoder, block 128 (ONNX Runtime's quantizer default; faster than 32 at about the same agreement);
/// MultiHeadAttention because ONNX Runtime does not fuse the attention pattern itself.
/// </remarks>
/// <param name="Vision">The vision encoder's Linear layers.</param>
/// <param name="CrossAttention">The cross-attention key/value projections.</param>
/// <param name="Decoder">The text decoder's Linear layers and its LM head's output projection.</param>
/// <param name="QuantizedEmbeddings">Whether the decoder's word embeddings are stored as 8-bit codes with per-block scales.</param>
/// <param name="BlockSize">Input features per scale for <see cref="LinearFormat.Blockwise"/> and the quantized embeddings.</param>
/// <param name="FusedAttention">Whether attention is written as ONNX Runtime's com.microsoft MultiHeadAttention instead of MatMul/Softmax/MatMul.</param>
internal sealed record QuantizationPlan(LinearFormat Vision, LinearFormat CrossAttention, LinearFormat Decoder, bool QuantizedEmbeddings, int BlockSize = 32,
    bool FusedAttention = false)
{
    /// <summary>Everything float32: token-exact with transformers.</summary>
    public static QuantizationPlan Float32 { get; } = new(LinearFormat.Float32, LinearFormat.Float32, LinearFormat.Float32, QuantizedEmbeddings: false);

    /// <summary>What <see cref="ModelPrecision.Int8"/> builds.</summary>
    public static QuantizationPlan Int8 { get; } = new(LinearFormat.DynamicPerRow, LinearFormat.DynamicPerRow, LinearFormat.Blockwise,
        QuantizedEmbeddings: true, BlockSize: 128, FusedAttention: true);

    public static QuantizationPlan For(ModelPrecision precision) => precision switch
    {
        ModelPrecision.Fp32 => Float32,
        ModelPrecision.Int8 => Int8,
        _ => throw new ArgumentOutOfRangeException(nameof(precision), precision, "Unknown precision."),
    };
}

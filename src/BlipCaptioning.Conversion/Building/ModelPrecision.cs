using System.Diagnostics.CodeAnalysis;

namespace BlipCaptioning.Conversion.Building;

/// <summary>The numeric precision of the weights in the written graphs.</summary>
public enum ModelPrecision
{
    /// <summary>float32 weights and arithmetic: token-for-token the same captions as transformers.</summary>
    Fp32,

    /// <summary>
    /// 8-bit weights and int8 arithmetic in every Linear layer (activations quantized per row at run time), 8-bit word
    /// embeddings: about a quarter of the size and about twice as fast on CPU, not guaranteed to give the same captions
    /// (docs/int8.md).
    /// </summary>
    [SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "int8 is the name of the precision users ask for.")]
    Int8,
}

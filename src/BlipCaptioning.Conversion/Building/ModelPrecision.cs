using System.Diagnostics.CodeAnalysis;

namespace BlipCaptioning.Conversion.Building;

/// <summary>The numeric precision of the weights in the written graphs.</summary>
public enum ModelPrecision
{
    /// <summary>float32 weights and arithmetic: token-for-token the same captions as transformers.</summary>
    Fp32,

    /// <summary>int8 weights (dynamic quantization); smaller and faster, not guaranteed to give the same captions.</summary>
    [SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "int8 is the name of the precision users ask for.")]
    Int8,
}

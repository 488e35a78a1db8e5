using System.Diagnostics.CodeAnalysis;

namespace BlipCaptioning.Conversion.Numpy;

/// <summary>The element types <see cref="NpyWriter"/> and <see cref="NpyReader"/> handle.</summary>
[SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "They are NumPy's dtype names.")]
public enum NpyDataType
{
    /// <summary>32-bit IEEE float, NumPy <c>&lt;f4</c>.</summary>
    Float32,

    /// <summary>Unsigned byte, NumPy <c>|u1</c>.</summary>
    UInt8,

    /// <summary>Signed 64-bit integer, NumPy <c>&lt;i8</c>.</summary>
    Int64,
}

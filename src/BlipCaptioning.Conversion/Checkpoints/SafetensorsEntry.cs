namespace BlipCaptioning.Conversion.Checkpoints;

/// <summary>One tensor described by a safetensors header: dtype ("F32", "F16", ...), shape and byte range in the data section.</summary>
public sealed record SafetensorsEntry(string Name, string DType, IReadOnlyList<int> Shape, long Begin, long End)
{
    public long ElementCount => Shape.Aggregate(1L, (product, dimension) => product * dimension);

    /// <summary>Whether the reader can turn this tensor into float32 (F32, F16 or BF16).</summary>
    public bool IsFloatingPoint => DType is "F32" or "F16" or "BF16";
}

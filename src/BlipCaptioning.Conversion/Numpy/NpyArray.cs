using System.Runtime.InteropServices;

namespace BlipCaptioning.Conversion.Numpy;

/// <summary>A NumPy array read by <see cref="NpyReader"/>: its element type, shape and raw little-endian bytes.</summary>
public sealed class NpyArray
{
    private readonly byte[] _data;

    internal NpyArray(NpyDataType dataType, int[] shape, byte[] data)
    {
        DataType = dataType;
        Shape = shape;
        _data = data;
    }

    /// <summary>The element type.</summary>
    public NpyDataType DataType { get; }

    /// <summary>The dimensions, outermost first (C order).</summary>
    public IReadOnlyList<int> Shape { get; }

    /// <summary>The number of elements (the product of <see cref="Shape"/>).</summary>
    public int Length => _data.Length / NpyDataTypes.ElementSize(DataType);

    /// <summary>The uint8 elements; throws if the array holds another type.</summary>
    public ReadOnlySpan<byte> AsBytes() => Expect(NpyDataType.UInt8) ? _data : default;

    /// <summary>The float32 elements; throws if the array holds another type.</summary>
    public ReadOnlySpan<float> AsFloats() => Expect(NpyDataType.Float32) ? MemoryMarshal.Cast<byte, float>(_data) : default;

    /// <summary>The int64 elements; throws if the array holds another type.</summary>
    public ReadOnlySpan<long> AsInt64s() => Expect(NpyDataType.Int64) ? MemoryMarshal.Cast<byte, long>(_data) : default;

    private bool Expect(NpyDataType wanted) => DataType == wanted
        ? true
        : throw new InvalidOperationException($"The array holds {DataType} elements, not {wanted}.");
}

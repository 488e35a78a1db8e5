using BlipCaptioning.Conversion.Numpy;

namespace BlipCaptioning.Conversion.Tests.Onnx;

/// <summary>A float32 or int64 tensor held in a managed array, row-major.</summary>
internal sealed record HostTensor(Array Data, long[] Shape)
{
    public static HostTensor Floats(float[] data, params long[] shape) => new(data, shape);

    public static HostTensor Int64s(long[] data, params long[] shape) => new(data, shape);

    /// <summary>Reads a float32 or int64 .npy file (the transformers reference outputs).</summary>
    public static HostTensor ReadNpy(string path)
    {
        NpyArray array = NpyReader.ReadFile(path);
        long[] shape = [.. array.Shape.Select(dimension => (long)dimension)];
        return array.DataType switch
        {
            NpyDataType.Float32 => Floats(array.AsFloats().ToArray(), shape),
            NpyDataType.Int64 => Int64s(array.AsInt64s().ToArray(), shape),
            _ => throw new InvalidDataException($"{path} holds {array.DataType} elements, not float32 or int64."),
        };
    }

    public float[] AsFloats() => (float[])Data;

    public long[] AsInt64s() => (long[])Data;

    public long ElementCount => Shape.Aggregate(1L, (product, dim) => product * dim);
}

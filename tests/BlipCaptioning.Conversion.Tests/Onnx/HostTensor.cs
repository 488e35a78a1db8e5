namespace BlipCaptioning.Conversion.Tests.Onnx;

/// <summary>A float32 or int64 tensor held in a managed array, row-major.</summary>
internal sealed record HostTensor(Array Data, long[] Shape)
{
    public static HostTensor Floats(float[] data, params long[] shape) => new(data, shape);

    public static HostTensor Int64s(long[] data, params long[] shape) => new(data, shape);

    public float[] AsFloats() => (float[])Data;

    public long[] AsInt64s() => (long[])Data;

    public long ElementCount => Shape.Aggregate(1L, (product, dim) => product * dim);
}

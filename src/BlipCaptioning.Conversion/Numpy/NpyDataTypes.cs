namespace BlipCaptioning.Conversion.Numpy;

/// <summary>NumPy type descriptors and element sizes of <see cref="NpyDataType"/>.</summary>
internal static class NpyDataTypes
{
    public static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    public static string Descriptor(NpyDataType type) => type switch
    {
        NpyDataType.Float32 => "<f4",
        NpyDataType.UInt8 => "|u1",
        NpyDataType.Int64 => "<i8",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    public static int ElementSize(NpyDataType type) => type switch
    {
        NpyDataType.Float32 => 4,
        NpyDataType.UInt8 => 1,
        NpyDataType.Int64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    /// <summary>Maps a header's descriptor to a type; <c>|u1</c>, <c>&lt;u1</c> and <c>u1</c> all mean uint8.</summary>
    public static NpyDataType? Parse(string descriptor) => descriptor switch
    {
        "<f4" => NpyDataType.Float32,
        "|u1" or "<u1" or ">u1" or "u1" => NpyDataType.UInt8,
        "<i8" => NpyDataType.Int64,
        _ => null,
    };
}

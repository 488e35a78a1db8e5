using System.Buffers.Binary;

namespace BlipCaptioning.Conversion.Checkpoints;

/// <summary>Widens little-endian IEEE half (F16) and bfloat16 (BF16) values to float32.</summary>
internal static class HalfPrecision
{
    public static void Widen(ReadOnlySpan<byte> source, Span<float> destination, bool isBFloat16)
    {
        for (var index = 0; index < destination.Length; index++)
        {
            var bits = BinaryPrimitives.ReadUInt16LittleEndian(source.Slice(2 * index, 2));
            destination[index] = isBFloat16
                ? BitConverter.Int32BitsToSingle(bits << 16)
                : (float)BitConverter.UInt16BitsToHalf(bits);
        }
    }
}

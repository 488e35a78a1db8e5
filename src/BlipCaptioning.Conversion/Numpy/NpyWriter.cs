using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace BlipCaptioning.Conversion.Numpy;

/// <summary>
/// Writes NumPy <c>.npy</c> files (format version 1.0, C order, little-endian) of float32, uint8 or int64 data, so
/// tensors can be compared with Python (<c>numpy.load</c>) byte for byte.
/// </summary>
public static class NpyWriter
{
    /// <summary>Writes a float32 array (<c>&lt;f4</c>) of the given shape.</summary>
    public static void Write(Stream destination, ReadOnlySpan<float> data, ReadOnlySpan<int> shape) =>
        Write(destination, NpyDataType.Float32, MemoryMarshal.AsBytes(data), data.Length, shape);

    /// <summary>Writes a uint8 array (<c>|u1</c>) of the given shape.</summary>
    public static void Write(Stream destination, ReadOnlySpan<byte> data, ReadOnlySpan<int> shape) =>
        Write(destination, NpyDataType.UInt8, data, data.Length, shape);

    /// <summary>Writes an int64 array (<c>&lt;i8</c>) of the given shape.</summary>
    public static void Write(Stream destination, ReadOnlySpan<long> data, ReadOnlySpan<int> shape) =>
        Write(destination, NpyDataType.Int64, MemoryMarshal.AsBytes(data), data.Length, shape);

    /// <summary>Writes a float32 array to a file, replacing it if it exists.</summary>
    public static void WriteFile(string path, ReadOnlySpan<float> data, ReadOnlySpan<int> shape)
    {
        using var file = File.Create(path);
        Write(file, data, shape);
    }

    private static void Write(Stream destination, NpyDataType type, ReadOnlySpan<byte> bytes, int count, ReadOnlySpan<int> shape)
    {
        ArgumentNullException.ThrowIfNull(destination);
        long expected = 1;
        foreach (int dimension in shape)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(dimension, nameof(shape));
            expected *= dimension;
        }

        if (expected != count)
        {
            throw new ArgumentException($"The shape ({string.Join(", ", shape.ToArray())}) holds {expected} elements but the data has {count}.", nameof(shape));
        }

        destination.Write(BuildHeader(type, shape));
        if (BitConverter.IsLittleEndian || type == NpyDataType.UInt8)
        {
            destination.Write(bytes);
            return;
        }

        // Big-endian hosts: swap each element into the little-endian order the header declares.
        int size = NpyDataTypes.ElementSize(type);
        byte[] swapped = bytes.ToArray();
        for (int i = 0; i < swapped.Length; i += size)
        {
            swapped.AsSpan(i, size).Reverse();
        }

        destination.Write(swapped);
    }

    /// <summary>The magic string, version 1.0, header length and a header padded so the data starts on a 64-byte boundary.</summary>
    private static byte[] BuildHeader(NpyDataType type, ReadOnlySpan<int> shape)
    {
        string dims = shape.Length == 1
            ? shape[0].ToString(CultureInfo.InvariantCulture) + ","
            : string.Join(", ", shape.ToArray().Select(d => d.ToString(CultureInfo.InvariantCulture)));
        string dictionary = $"{{'descr': '{NpyDataTypes.Descriptor(type)}', 'fortran_order': False, 'shape': ({dims}), }}";
        const int Preamble = 10; // magic (6) + version (2) + header length (2)
        int unpadded = Preamble + dictionary.Length + 1;
        int padded = (unpadded + 63) / 64 * 64;
        string header = dictionary + new string(' ', padded - unpadded) + "\n";
        byte[] result = new byte[Preamble + header.Length];
        NpyDataTypes.Magic.CopyTo(result);
        result[6] = 1;
        result[7] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(result.AsSpan(8), checked((ushort)header.Length));
        Encoding.ASCII.GetBytes(header, result.AsSpan(Preamble));
        return result;
    }
}

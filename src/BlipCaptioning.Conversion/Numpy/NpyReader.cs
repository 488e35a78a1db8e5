using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace BlipCaptioning.Conversion.Numpy;

/// <summary>
/// Reads NumPy <c>.npy</c> files (format versions 1, 2 and 3) holding float32, uint8 or int64 data in C order.
/// Anything else (Fortran order, big-endian, other types, a short file) raises <see cref="InvalidDataException"/>.
/// </summary>
public static partial class NpyReader
{
    /// <summary>Reads one array from a stream positioned at the start of a <c>.npy</c> file.</summary>
    public static NpyArray Read(Stream source)
    {
        ArgumentNullException.ThrowIfNull(source);
        Span<byte> preamble = stackalloc byte[8];
        source.ReadExactly(preamble);
        if (!preamble[..6].SequenceEqual(NpyDataTypes.Magic))
        {
            throw new InvalidDataException("Not a .npy file: it does not start with \\x93NUMPY.");
        }

        int major = preamble[6];
        int headerLength;
        if (major == 1)
        {
            Span<byte> length = stackalloc byte[2];
            source.ReadExactly(length);
            headerLength = BinaryPrimitives.ReadUInt16LittleEndian(length);
        }
        else if (major is 2 or 3)
        {
            Span<byte> length = stackalloc byte[4];
            source.ReadExactly(length);
            headerLength = checked((int)BinaryPrimitives.ReadUInt32LittleEndian(length));
        }
        else
        {
            throw new InvalidDataException($"Unsupported .npy format version {major}.");
        }

        byte[] headerBytes = new byte[headerLength];
        source.ReadExactly(headerBytes);
        string header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(headerBytes);

        Match descr = DescrPattern().Match(header);
        Match order = FortranPattern().Match(header);
        Match shapeMatch = ShapePattern().Match(header);
        if (!descr.Success || !order.Success || !shapeMatch.Success)
        {
            throw new InvalidDataException($"Cannot read the .npy header: {header.Trim()}");
        }

        if (order.Groups[1].Value != "False")
        {
            throw new InvalidDataException("Fortran-order .npy arrays are not supported; save with C order.");
        }

        NpyDataType type = NpyDataTypes.Parse(descr.Groups[1].Value)
            ?? throw new InvalidDataException($"Unsupported .npy element type '{descr.Groups[1].Value}'; expected <f4, |u1 or <i8.");

        int[] shape = shapeMatch.Groups[1].Value
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(d => int.Parse(d, NumberStyles.None, CultureInfo.InvariantCulture))
            .ToArray();
        long count = shape.Aggregate(1L, (product, d) => product * d);
        long bytes = count * NpyDataTypes.ElementSize(type);
        if (bytes > Array.MaxLength)
        {
            throw new InvalidDataException($"The .npy array is too large ({bytes} bytes).");
        }

        byte[] data = new byte[bytes];
        try
        {
            source.ReadExactly(data);
        }
        catch (EndOfStreamException ex)
        {
            throw new InvalidDataException($"The .npy file is truncated: its header promises {bytes} data bytes.", ex);
        }

        if (!BitConverter.IsLittleEndian && type != NpyDataType.UInt8)
        {
            int size = NpyDataTypes.ElementSize(type);
            for (int i = 0; i < data.Length; i += size)
            {
                data.AsSpan(i, size).Reverse();
            }
        }

        return new NpyArray(type, shape, data);
    }

    /// <summary>Reads one array from a <c>.npy</c> file.</summary>
    public static NpyArray ReadFile(string path)
    {
        using var file = File.OpenRead(path);
        return Read(file);
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}

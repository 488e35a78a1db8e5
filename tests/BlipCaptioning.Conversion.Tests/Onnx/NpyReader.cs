using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace BlipCaptioning.Conversion.Tests.Onnx;

/// <summary>Reads NumPy .npy files (format 1.0/2.0/3.0, C order) of little-endian float32, int64 or uint8 (tests only).</summary>
internal static partial class NpyReader
{
    public static HostTensor ReadFloats(string path) => Read(path, "<f4", bytes => MemoryMarshal.Cast<byte, float>(bytes).ToArray());

    public static HostTensor ReadInt64s(string path) => Read(path, "<i8", bytes => MemoryMarshal.Cast<byte, long>(bytes).ToArray());

    public static (byte[] Data, long[] Shape) ReadBytes(string path)
    {
        var tensor = Read(path, "|u1", bytes => bytes.ToArray());
        return ((byte[])tensor.Data, tensor.Shape);
    }

    private static HostTensor Read(string path, string expectedDescr, Func<ReadOnlySpan<byte>, Array> convert)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 10 || bytes[0] != 0x93 || Encoding.ASCII.GetString(bytes, 1, 5) != "NUMPY")
        {
            throw new InvalidDataException($"{path} is not a .npy file.");
        }

        var major = bytes[6];
        int headerLength, headerStart;
        if (major == 1)
        {
            headerLength = BitConverter.ToUInt16(bytes, 8);
            headerStart = 10;
        }
        else
        {
            headerLength = checked((int)BitConverter.ToUInt32(bytes, 8));
            headerStart = 12;
        }

        var header = Encoding.ASCII.GetString(bytes, headerStart, headerLength);
        var descr = DescrPattern().Match(header).Groups[1].Value;
        if (descr != expectedDescr)
        {
            throw new InvalidDataException($"{path} holds '{descr}', expected '{expectedDescr}'.");
        }

        if (header.Contains("'fortran_order': True", StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{path} is in Fortran order.");
        }

        var shapeText = ShapePattern().Match(header).Groups[1].Value;
        var shape = shapeText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(dim => long.Parse(dim, CultureInfo.InvariantCulture)).ToArray();
        var data = convert(bytes.AsSpan(headerStart + headerLength));
        var tensor = new HostTensor(data, shape);
        if (data.LongLength != tensor.ElementCount)
        {
            throw new InvalidDataException($"{path}: the shape ({shapeText}) does not match the {data.LongLength} values stored.");
        }

        return tensor;
    }

    [GeneratedRegex(@"'descr':\s*'([^']*)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'shape':\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}

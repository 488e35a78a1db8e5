using System.Text;
using BlipCaptioning.Conversion.Numpy;
using BlipCaptioning.Testing;

namespace BlipCaptioning.Conversion.Tests.Numpy;

public sealed class NpyRoundTripTests
{
    [Fact]
    public void Write_Float32_ReadsBackTheSameShapeAndValues()
    {
        float[] data = [1.5f, -2.25f, float.MaxValue, float.Epsilon, 0f, -0f];
        using var stream = new MemoryStream();

        NpyWriter.Write(stream, data, [2, 3]);
        stream.Position = 0;
        NpyArray array = NpyReader.Read(stream);

        Assert.Equal(NpyDataType.Float32, array.DataType);
        Assert.Equal([2, 3], array.Shape);
        Assert.Equal(data, array.AsFloats().ToArray());
    }

    [Fact]
    public void Write_Int64_ReadsBackTheSameValues()
    {
        long[] data = [30522, 1037, long.MinValue, long.MaxValue];
        using var stream = new MemoryStream();

        NpyWriter.Write(stream, data, [1, 4]);
        stream.Position = 0;

        Assert.Equal(data, NpyReader.Read(stream).AsInt64s().ToArray());
    }

    [Fact]
    public void Write_Header_IsNumpyVersion1WithDataAlignedTo64Bytes()
    {
        using var stream = new MemoryStream();

        NpyWriter.Write(stream, new byte[6], [1, 2, 3]);

        byte[] bytes = stream.ToArray();
        // 10 preamble bytes + the 62-character dictionary + newline do not fit in 64, so the data starts at 128.
        Assert.Equal(128 + 6, bytes.Length);
        Assert.Equal("\u0093NUMPY", Encoding.Latin1.GetString(bytes, 0, 6));
        Assert.Equal([1, 0, 118, 0], bytes[6..10]);
        string header = Encoding.ASCII.GetString(bytes, 10, 118);
        Assert.StartsWith("{'descr': '|u1', 'fortran_order': False, 'shape': (1, 2, 3), }", header, StringComparison.Ordinal);
        Assert.EndsWith("\n", header, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_OneDimensionalShape_UsesPythonsOneTupleSyntax()
    {
        using var stream = new MemoryStream();
        NpyWriter.Write(stream, new float[3], [3]);
        Assert.Contains("'shape': (3,)", Encoding.ASCII.GetString(stream.ToArray()), StringComparison.Ordinal);
    }

    [Fact]
    public void Write_ShapeDisagreesWithData_ThrowsNamingBothCounts()
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => NpyWriter.Write(new MemoryStream(), new float[5], [2, 3]));
        Assert.Contains("6 elements but the data has 5", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_NumpyWrittenUint8File_ReadsShapeAndBytes()
    {
        // Written by numpy 1.24 (make_reference.py): PIL's 384x384 resize of a 1x1 image of colour (200, 30, 90).
        NpyArray array = NpyReader.ReadFile(Path.Combine(RepositoryPaths.Fixtures, "pil-reference", "resized", "one-pixel.png.resized.npy"));

        Assert.Equal(NpyDataType.UInt8, array.DataType);
        Assert.Equal([384, 384, 3], array.Shape);
        Assert.Equal([200, 30, 90], array.AsBytes()[..3].ToArray());
    }

    [Fact]
    public void Read_TruncatedData_ThrowsInvalidData()
    {
        using var stream = new MemoryStream();
        NpyWriter.Write(stream, new float[100], [100]);
        byte[] truncated = stream.ToArray()[..^8];

        Assert.Throws<InvalidDataException>(() => NpyReader.Read(new MemoryStream(truncated)));
    }

    [Fact]
    public void Read_NotNpy_ThrowsInvalidData() =>
        Assert.Throws<InvalidDataException>(() => NpyReader.Read(new MemoryStream(Encoding.ASCII.GetBytes("PK\u0003\u0004 not an npy file"))));

    [Fact]
    public void AsFloats_OnUint8Array_ThrowsNamingTheType()
    {
        using var stream = new MemoryStream();
        NpyWriter.Write(stream, new byte[2], [2]);
        stream.Position = 0;
        NpyArray array = NpyReader.Read(stream);

        InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => array.AsFloats().ToArray());
        Assert.Contains("UInt8", error.Message, StringComparison.Ordinal);
    }
}

using System.Buffers.Binary;
using System.Text;
using BlipCaptioning.Conversion.CheckpointWriting;
using BlipCaptioning.Conversion.Checkpoints;
using BlipCaptioning.Testing;

namespace BlipCaptioning.Conversion.Tests.Checkpoints;

public sealed class SafetensorsTests
{
    private static readonly CheckpointTensor Matrix = new("b.matrix", [2, 3], [1f, -2f, 3.5f, float.MaxValue, float.Epsilon, -0f]);
    private static readonly CheckpointTensor Vector = new("a.vector", [4], [0.25f, 0.5f, 0.75f, 1f]);
    private static readonly CheckpointTensor Scalar = new("c.scalar", [], [42f]);

    [Fact]
    public void Write_ThenReadAll_GivesTheSameTensorsBitForBit()
    {
        using var directory = new TemporaryFolder();
        var path = directory.Combine("model.safetensors");

        SafetensorsWriter.Write(path, [Matrix, Vector, Scalar]);
        var read = SafetensorsReader.ReadAll(path);

        Assert.Equal(3, read.Count);
        foreach (var expected in new[] { Matrix, Vector, Scalar })
        {
            Assert.Equal(expected.Shape, read[expected.Name].Shape);
            Assert.Equal(expected.Data.Select(BitConverter.SingleToInt32Bits), read[expected.Name].Data.Select(BitConverter.SingleToInt32Bits));
        }
    }

    [Fact]
    public void Write_Header_IsSortedPaddedToEightAndMarkedPt()
    {
        using var directory = new TemporaryFolder();
        var path = directory.Combine("model.safetensors");

        SafetensorsWriter.Write(path, [Matrix, Vector, Scalar]);
        var bytes = File.ReadAllBytes(path);
        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        var header = Encoding.UTF8.GetString(bytes, 8, headerLength);

        Assert.Equal(0, headerLength % 8);
        Assert.StartsWith("{\"__metadata__\":{\"format\":\"pt\"},\"a.vector\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},\"b.matrix\"", header, StringComparison.Ordinal);
        Assert.Contains("\"c.scalar\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[40,44]}}", header, StringComparison.Ordinal);
        Assert.Equal(8 + headerLength + 44, bytes.Length);
        using var reader = SafetensorsReader.Open(path);
        Assert.Equal("pt", reader.Metadata["format"]);
    }

    [Fact]
    public void ReadAll_TinyA_Has93Float32TensorsWithTheReferenceShapes()
    {
        var tensors = SafetensorsReader.ReadAll(Path.Combine(RepositoryPaths.TinyACheckpoint, "model.safetensors"));
        var reference = TinyAParameters.Read();

        Assert.Equal(93, tensors.Count);
        Assert.Equal(reference.Keys.Order(StringComparer.Ordinal), tensors.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, shape) in reference)
        {
            Assert.Equal(shape, tensors[name].Shape);
        }

        Assert.Equal(2_164_352, tensors.Values.Sum(tensor => tensor.ElementCount));
    }

    [Fact]
    public void Write_TinyATensors_IsByteIdenticalToTheFileThePythonLibraryWrote()
    {
        using var directory = new TemporaryFolder();
        var original = Path.Combine(RepositoryPaths.TinyACheckpoint, "model.safetensors");
        var path = directory.Combine("model.safetensors");

        SafetensorsWriter.Write(path, SafetensorsReader.ReadAll(original).Values.Reverse());

        Assert.True(File.ReadAllBytes(original).AsSpan().SequenceEqual(File.ReadAllBytes(path)));
    }

    [Fact]
    public void ReadTensor_HalfAndBFloat16_AreWidenedToFloat32()
    {
        using var directory = new TemporaryFolder();
        var path = directory.Combine("half.safetensors");
        var half = new[] { (Half)1.5f, (Half)(-2f), Half.Epsilon };
        var halfBytes = half.SelectMany(value => BitConverter.GetBytes(BitConverter.HalfToUInt16Bits(value))).ToArray();
        var bfloatBytes = new[] { 1f, -3.25f }.SelectMany(value => BitConverter.GetBytes((ushort)(BitConverter.SingleToUInt32Bits(value) >> 16))).ToArray();
        WriteRaw(path, """{"h":{"dtype":"F16","shape":[3],"data_offsets":[0,6]},"b":{"dtype":"BF16","shape":[2],"data_offsets":[6,10]}}""", [.. halfBytes, .. bfloatBytes]);

        using var reader = SafetensorsReader.Open(path);

        Assert.Equal(half.Select(value => (float)value), reader.ReadTensor("h").Data);
        Assert.Equal([1f, -3.25f], reader.ReadTensor("b").Data);
    }

    [Fact]
    public void ReadTensor_IntegerDtype_IsRefusedWithTheDtypeNamed()
    {
        using var directory = new TemporaryFolder();
        var path = directory.Combine("ids.safetensors");
        WriteRaw(path, """{"position_ids":{"dtype":"I64","shape":[1,2],"data_offsets":[0,16]}}""", new byte[16]);
        using var reader = SafetensorsReader.Open(path);

        var error = Assert.Throws<CheckpointFormatException>(() => reader.ReadTensor("position_ids"));

        Assert.Contains("'position_ids' has dtype I64", error.Message, StringComparison.Ordinal);
        Assert.False(reader.Entries.Single().IsFloatingPoint);
    }

    [Theory]
    [InlineData("""{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,32]}}""", "outside the 16-byte data section")]
    [InlineData("""{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}}""", "needs 12")]
    [InlineData("""{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"v":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", "overlap")]
    [InlineData("""{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}""", "invalid dimension")]
    [InlineData("""{"w":{"dtype":"F32","shape":[1]}}""", "data_offsets")]
    [InlineData("""{"w": [1, 2""", "not valid JSON")]
    [InlineData("""[1, 2, 3]""", "must be a JSON object")]
    [InlineData("""{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", "names 'w' twice")]
    [InlineData("""{"w":{"dtype":"F32","shape":[65536,65536,65536,65536],"data_offsets":[0,4]}}""", "more than one array can hold")]
    public void Open_CorruptHeader_IsRefused(string header, string expected)
    {
        using var directory = new TemporaryFolder();
        var path = directory.Combine("bad.safetensors");
        WriteRaw(path, header, new byte[16]);

        var error = Assert.Throws<CheckpointFormatException>(() => SafetensorsReader.Open(path).Dispose());

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_HeaderLengthBeyondTheFile_IsRefused()
    {
        using var directory = new TemporaryFolder();
        var path = directory.Combine("bad.safetensors");
        var bytes = new byte[64];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 1_000);
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<CheckpointFormatException>(() => SafetensorsReader.Open(path).Dispose());

        Assert.Contains("header length 1000 does not fit the file (64 bytes)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_TinyFile_IsRefused()
    {
        using var directory = new TemporaryFolder();
        var path = directory.Combine("short.safetensors");
        File.WriteAllBytes(path, [1, 2, 3]);

        var error = Assert.Throws<CheckpointFormatException>(() => SafetensorsReader.Open(path).Dispose());

        Assert.Contains("too short", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_Streaming_AsksForEachTensorOnceInNameOrder()
    {
        using var directory = new TemporaryFolder();
        var path = directory.Combine("streamed.safetensors");
        var asked = new List<string>();
        TensorLayout[] layout = [new("z", [2]), new("m", [1, 1]), new("a", [3])];

        SafetensorsWriter.Write(path, layout, item =>
        {
            asked.Add(item.Name);
            return Enumerable.Repeat((float)item.Name[0], (int)item.ElementCount).ToArray();
        });

        Assert.Equal(["a", "m", "z"], asked);
        var read = SafetensorsReader.ReadAll(path);
        Assert.Equal([(float)'z', 'z'], read["z"].Data);
        Assert.Equal([1, 1], read["m"].Shape);
    }

    [Fact]
    public void Open_TensorNameThatIsNotUtf8_IsRefusedClearly()
    {
        using var directory = new TemporaryFolder();
        var path = directory.Combine("model.safetensors");
        var header = Encoding.UTF8.GetBytes("""{"w#":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""");
        header[Array.IndexOf(header, (byte)'#')] = 0xFF;
        WriteRaw(path, header, new byte[4]);

        var error = Assert.Throws<CheckpointFormatException>(() => SafetensorsReader.Open(path).Dispose());

        Assert.Contains("the header is not valid UTF-8", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_EmptyTensorAtTheOffsetOfAnother_IsNotAnOverlap()
    {
        using var directory = new TemporaryFolder();
        var path = directory.Combine("model.safetensors");
        WriteRaw(path, """{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"empty":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}}""", HandmadePickle.Floats(1, 2));

        var read = SafetensorsReader.ReadAll(path);

        Assert.Equal([1f, 2f], read["w"].Data);
        Assert.Empty(read["empty"].Data);
    }

    [Fact]
    public void Open_HeaderLongerThanTheFormatAllows_SaysSoRatherThanThatItDoesNotFit()
    {
        using var directory = new TemporaryFolder();
        var path = directory.Combine("model.safetensors");
        var bytes = new byte[64];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 100_000_001);
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<CheckpointFormatException>(() => SafetensorsReader.Open(path).Dispose());

        Assert.Contains("the header declares 100,000,001 bytes, more than the 100,000,000 the safetensors format allows", error.Message, StringComparison.Ordinal);
    }

    private static void WriteRaw(string path, string header, byte[] data) => WriteRaw(path, Encoding.UTF8.GetBytes(header), data);

    private static void WriteRaw(string path, byte[] headerBytes, byte[] data)
    {
        var bytes = new byte[8 + headerBytes.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)headerBytes.Length);
        headerBytes.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + headerBytes.Length);
        File.WriteAllBytes(path, bytes);
    }
}

using BlipCaptioning.Conversion.Checkpoints;

namespace BlipCaptioning.Conversion.Tests.Checkpoints;

public sealed class TorchCheckpointReaderTests
{
    [Fact]
    public void Read_TinyABin_EqualsItsSafetensorsBitForBitForAll93Keys()
    {
        var fromTorch = TorchCheckpointReader.Read(Path.Combine(Fixtures.TinyACheckpoint, "pytorch_model.bin"));
        var fromSafetensors = SafetensorsReader.ReadAll(Path.Combine(Fixtures.TinyACheckpoint, "model.safetensors"));

        Assert.Equal(93, fromTorch.FloatTensors.Count);
        Assert.Empty(fromTorch.IntegerTensors);
        Assert.Equal(fromSafetensors.Keys.Order(StringComparer.Ordinal), fromTorch.FloatTensors.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, expected) in fromSafetensors)
        {
            var actual = fromTorch.FloatTensors[name];
            Assert.Equal(expected.Shape, actual.Shape);
            Assert.True(AsBits(expected.Data).SequenceEqual(AsBits(actual.Data)), $"{name} differs between the .bin and the .safetensors");
        }
    }

    [Fact]
    public void Read_TinyABin_KeepsTheStateDictOrderOfParametersTxt()
    {
        var fromTorch = TorchCheckpointReader.Read(Path.Combine(Fixtures.TinyACheckpoint, "pytorch_model.bin"));

        Assert.Equal(TinyAParameters.Read().Keys, fromTorch.Names);
    }

    [Fact]
    public void Read_LegacyPickleFile_ExplainsTheFormatIsNotSupported()
    {
        using var directory = new TempDirectory();
        var path = directory.File("pytorch_model.bin");
        File.WriteAllBytes(path, [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e]);

        var error = Assert.Throws<CheckpointFormatException>(() => TorchCheckpointReader.Read(path));

        Assert.Contains("legacy", error.Message, StringComparison.Ordinal);
        Assert.Contains("not supported", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_NotAZip_SaysSo()
    {
        using var directory = new TempDirectory();
        var path = directory.File("pytorch_model.bin");
        File.WriteAllText(path, "hello");

        var error = Assert.Throws<CheckpointFormatException>(() => TorchCheckpointReader.Read(path));

        Assert.Contains("not a torch checkpoint", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_TruncatedTinyABin_IsRefused()
    {
        using var directory = new TempDirectory();
        var path = directory.File("pytorch_model.bin");
        var bytes = File.ReadAllBytes(Path.Combine(Fixtures.TinyACheckpoint, "pytorch_model.bin"));
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);

        var error = Assert.Throws<CheckpointFormatException>(() => TorchCheckpointReader.Read(path));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    private static IEnumerable<int> AsBits(float[] values) => values.Select(BitConverter.SingleToInt32Bits);
}

using System.IO.Compression;
using BlipCaptioning.Conversion.Checkpoints;
using BlipCaptioning.Testing;

namespace BlipCaptioning.Conversion.Tests.Checkpoints;

public sealed class TorchCheckpointReaderTests
{
    [Fact]
    public void Read_TinyABin_EqualsItsSafetensorsBitForBitForAll93Keys()
    {
        var fromTorch = TorchCheckpointReader.Read(Path.Combine(RepositoryPaths.TinyACheckpoint, "pytorch_model.bin"));
        var fromSafetensors = SafetensorsReader.ReadAll(Path.Combine(RepositoryPaths.TinyACheckpoint, "model.safetensors"));

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
        var fromTorch = TorchCheckpointReader.Read(Path.Combine(RepositoryPaths.TinyACheckpoint, "pytorch_model.bin"));

        Assert.Equal(TinyAParameters.Read().Keys, fromTorch.Names);
    }

    [Fact]
    public void Read_LegacyPickleFile_ExplainsTheFormatIsNotSupported()
    {
        using var directory = new TemporaryFolder();
        var path = directory.Combine("pytorch_model.bin");
        File.WriteAllBytes(path, [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e]);

        var error = Assert.Throws<CheckpointFormatException>(() => TorchCheckpointReader.Read(path));

        Assert.Contains("legacy", error.Message, StringComparison.Ordinal);
        Assert.Contains("not supported", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_NotAZip_SaysSo()
    {
        using var directory = new TemporaryFolder();
        var path = directory.Combine("pytorch_model.bin");
        File.WriteAllText(path, "hello");

        var error = Assert.Throws<CheckpointFormatException>(() => TorchCheckpointReader.Read(path));

        Assert.Contains("not a torch checkpoint", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_TruncatedTinyABin_IsRefused()
    {
        using var directory = new TemporaryFolder();
        var path = directory.Combine("pytorch_model.bin");
        var bytes = File.ReadAllBytes(Path.Combine(RepositoryPaths.TinyACheckpoint, "pytorch_model.bin"));
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);

        var error = Assert.Throws<CheckpointFormatException>(() => TorchCheckpointReader.Read(path));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_StrideZeroViewsOfAFourByteStorage_AreRefusedBeforeAnyIsMaterialised()
    {
        using var directory = new TemporaryFolder();
        var path = directory.Combine("pytorch_model.bin");
        var pickle = new HandmadePickle().StartStateDict();
        for (var i = 0; i < 8; i++)
        {
            pickle.Tensor($"w{i}", "FloatStorage", "0", 1, 0, [1 << 28], [0]);
        }

        HandmadePickle.WriteTorchZip(path, pickle.EndStateDict().ToArray(), new Dictionary<string, byte[]> { ["0"] = HandmadePickle.Floats(1) });
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();

        var error = Assert.Throws<CheckpointFormatException>(() => TorchCheckpointReader.Read(path));

        Assert.Contains("its tensors hold 2,147,483,648 values, more than the 1,073,741,824 allowed", error.Message, StringComparison.Ordinal);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - allocatedBefore < (64 << 20), "the views were allocated before being refused");
    }

    [Fact]
    public void Read_StrideZeroViewsWithTheConfigsShapes_AreReadAtTheirOwnSizeOnly()
    {
        using var directory = new TemporaryFolder();
        var path = directory.Combine("pytorch_model.bin");
        var pickle = new HandmadePickle().StartStateDict().Tensor("w", "FloatStorage", "0", 1, 0, [3, 4], [0, 0]).EndStateDict().ToArray();
        HandmadePickle.WriteTorchZip(path, pickle, new Dictionary<string, byte[]> { ["0"] = HandmadePickle.Floats(2.5f) });

        var state = TorchCheckpointReader.Read(path, [new TensorLayout("w", [3, 4])]);

        Assert.Equal(Enumerable.Repeat(2.5f, 12), state.FloatTensors["w"].Data);
    }

    [Fact]
    public void Read_ViewsOfAStorageFarLargerThanTheConfigNeeds_AreRefused()
    {
        using var directory = new TemporaryFolder();
        var path = directory.Combine("pytorch_model.bin");
        var pickle = new HandmadePickle().StartStateDict().Tensor("w", "FloatStorage", "0", 1 << 26, 0, [2], [1]).EndStateDict().ToArray();
        HandmadePickle.WriteTorchZip(path, pickle, new Dictionary<string, byte[]> { ["0"] = HandmadePickle.Floats(1, 2) });
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();

        var error = Assert.Throws<CheckpointFormatException>(() => TorchCheckpointReader.Read(path, [new TensorLayout("w", [2])]));

        Assert.Contains("the storages its tensors view hold 67,108,864 values, more than the 1,048,580 allowed", error.Message, StringComparison.Ordinal);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - allocatedBefore < (64 << 20), "the storage was allocated before being refused");
    }

    [Fact]
    public void Read_StorageRecordShorterThanItsDeclaredElements_IsRefusedBeforeItsArrayIsAllocated()
    {
        using var directory = new TemporaryFolder();
        var path = directory.Combine("pytorch_model.bin");
        var pickle = new HandmadePickle().StartStateDict().Tensor("w", "FloatStorage", "0", 1 << 27, 0, [1], [1]).EndStateDict().ToArray();
        HandmadePickle.WriteTorchZip(path, pickle, new Dictionary<string, byte[]> { ["0"] = HandmadePickle.Floats(1) });
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();

        var error = Assert.Throws<CheckpointFormatException>(() => TorchCheckpointReader.Read(path));

        Assert.Contains("holds 4 bytes but its 134217728 elements need 536870912", error.Message, StringComparison.Ordinal);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - allocatedBefore < (64 << 20), "the storage was allocated before being refused");
    }

    [Fact]
    public void Read_ZipWithTwoRecordsOfOneName_IsRefusedNamingTheRecord()
    {
        using var directory = new TemporaryFolder();
        var path = directory.Combine("pytorch_model.bin");
        var pickle = new HandmadePickle().StartStateDict().Tensor("w", "FloatStorage", "0", 1, 0, [1], [1]).EndStateDict().ToArray();
        HandmadePickle.WriteTorchZip(path, pickle, new Dictionary<string, byte[]> { ["0"] = HandmadePickle.Floats(1) });
        using (var archive = ZipFile.Open(path, ZipArchiveMode.Update))
        {
            using var second = archive.CreateEntry("archive/data/0").Open();
            second.Write(HandmadePickle.Floats(666));
        }

        var error = Assert.Throws<CheckpointFormatException>(() => TorchCheckpointReader.Read(path));

        Assert.Contains("holds two zip records named 'archive/data/0'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_DevZero_IsRefusedAsNotARegularFile()
    {
        using var directory = new TemporaryFolder();
        var path = directory.Combine("pytorch_model.bin");
        File.CreateSymbolicLink(path, "/dev/zero");

        var error = Assert.Throws<CheckpointFormatException>(() => TorchCheckpointReader.Read(path));

        Assert.Contains("is a character device, not a regular file", error.Message, StringComparison.Ordinal);
    }

    private static IEnumerable<int> AsBits(float[] values) => values.Select(BitConverter.SingleToInt32Bits);
}

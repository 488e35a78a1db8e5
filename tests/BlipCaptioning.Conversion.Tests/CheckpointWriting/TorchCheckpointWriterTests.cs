using System.IO.Compression;
using BlipCaptioning.Conversion.CheckpointWriting;
using BlipCaptioning.Conversion.Checkpoints;
using BlipCaptioning.Testing;

namespace BlipCaptioning.Conversion.Tests.CheckpointWriting;

public sealed class TorchCheckpointWriterTests
{
    [Fact]
    public void Write_TinyAWeights_AreReadBackIdenticallyInTheSameOrder()
    {
        using var directory = new TemporaryFolder();
        var path = directory.Combine("pytorch_model.bin");
        var original = TorchCheckpointReader.Read(Path.Combine(RepositoryPaths.TinyACheckpoint, "pytorch_model.bin"));

        TorchCheckpointWriter.Write(path, original.Names.Select(name => original.FloatTensors[name]));
        var copy = TorchCheckpointReader.Read(path);

        Assert.Equal(original.Names, copy.Names);
        foreach (var name in original.Names)
        {
            Assert.Equal(original.FloatTensors[name].Shape, copy.FloatTensors[name].Shape);
            Assert.True(original.FloatTensors[name].Data.AsSpan().SequenceEqual(copy.FloatTensors[name].Data), name);
        }
    }

    [Fact]
    public void Write_Records_AreStoredUnderArchiveAlignedTo64WithVersionAndByteOrder()
    {
        using var directory = new TemporaryFolder();
        var path = directory.Combine("pytorch_model.bin");

        TorchCheckpointWriter.Write(path, [new CheckpointTensor("a", [3], [1, 2, 3]), new CheckpointTensor("b", [1, 1], [4])]);

        using var archive = ZipFile.OpenRead(path);
        Assert.Equal(["archive/data.pkl", "archive/byteorder", "archive/data/0", "archive/data/1", "archive/version"], archive.Entries.Select(entry => entry.FullName));
        Assert.All(archive.Entries, entry => Assert.Equal(entry.Length, entry.CompressedLength));
        Assert.Equal("3\n", ReadText(archive, "archive/version"));
        Assert.Equal("little", ReadText(archive, "archive/byteorder"));
        var bytes = File.ReadAllBytes(path);
        var storage = HandmadePickle.Floats(1, 2, 3);
        var start = bytes.AsSpan().IndexOf(storage);
        Assert.True(start > 0);
        Assert.Equal(0, start % 64);
    }

    [Fact]
    public void Write_SharedStorage_IsOneRecordReadAsTwoEqualTensors()
    {
        using var directory = new TemporaryFolder();
        var path = directory.Combine("pytorch_model.bin");
        TensorLayout[] layout = [new("bias", [3]), new("weight", [2]), new("decoder.bias", [3])];
        var produced = new List<string>();

        TorchCheckpointWriter.Write(path, layout, item =>
        {
            produced.Add(item.Name);
            return item.Name == "bias" ? [1f, 2f, 3f] : [9f, 8f];
        }, new Dictionary<string, string> { ["decoder.bias"] = "bias" });
        var state = TorchCheckpointReader.Read(path);

        Assert.Equal(["bias", "weight"], produced);
        Assert.Equal(["bias", "weight", "decoder.bias"], state.Names);
        Assert.Equal([1f, 2f, 3f], state.FloatTensors["decoder.bias"].Data);
        Assert.Equal(state.FloatTensors["bias"].Data, state.FloatTensors["decoder.bias"].Data);
        using var archive = ZipFile.OpenRead(path);
        Assert.Equal(2, archive.Entries.Count(entry => entry.FullName.StartsWith("archive/data/", StringComparison.Ordinal)));
    }

    [Fact]
    public void Write_ManyTensorsAndLargeShapes_RoundTrip()
    {
        using var directory = new TemporaryFolder();
        var path = directory.Combine("pytorch_model.bin");
        var tensors = Enumerable.Range(0, 1003)
            .Select(index => new CheckpointTensor($"t{index}", [1, 1, 1, 1 + (index % 2)], Enumerable.Repeat((float)index, 1 + (index % 2)).ToArray()))
            .Append(new CheckpointTensor("big", [70_000], new float[70_000]))
            .ToList();

        TorchCheckpointWriter.Write(path, tensors, archiveName: "pytorch_model");
        var state = TorchCheckpointReader.Read(path);

        Assert.Equal(1004, state.FloatTensors.Count);
        Assert.Equal([1, 1, 1, 2], state.FloatTensors["t1001"].Shape);
        Assert.Equal([1001f, 1001f], state.FloatTensors["t1001"].Data);
        Assert.Equal([70_000], state.FloatTensors["big"].Shape);
    }

    private static string ReadText(ZipArchive archive, string name)
    {
        using var reader = new StreamReader(archive.GetEntry(name)!.Open());
        return reader.ReadToEnd();
    }
}

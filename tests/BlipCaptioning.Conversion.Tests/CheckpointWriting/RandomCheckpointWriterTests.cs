using BlipCaptioning.Conversion.CheckpointWriting;
using BlipCaptioning.Conversion.Checkpoints;
using BlipCaptioning.Testing;

namespace BlipCaptioning.Conversion.Tests.CheckpointWriting;

public sealed class RandomCheckpointWriterTests
{
    [Fact]
    public void Write_TinyPreset_WritesAHubFolderThatLoadsWithThePresetsArchitecture()
    {
        using var directory = new TemporaryFolder();

        var files = RandomCheckpointWriter.Write(directory.Path, BlipPreset.Tiny, seed: 7);
        var checkpoint = CheckpointLoader.Load(directory.Path);

        Assert.Equal(
            ["config.json", "model.safetensors", "preprocessor_config.json", "pytorch_model.bin", "special_tokens_map.json", "tokenizer_config.json", "vocab.txt"],
            files.Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(BlipPreset.Tiny.Architecture, checkpoint.Architecture);
        Assert.Equal(93, checkpoint.Weights.Count);
        Assert.Equal(384, checkpoint.Preprocessing.ImageSize);
        Assert.Equal(new BlipCaptioning.Model.GenerationDefaults(), checkpoint.Generation);
        Assert.Equal(File.ReadAllBytes(Path.Combine(RepositoryPaths.TinyACheckpoint, "vocab.txt")), File.ReadAllBytes(directory.Combine("vocab.txt")));
    }

    [Fact]
    public void Write_TinyPreset_SafetensorsAndTorchBinHoldTheSameWeights()
    {
        using var directory = new TemporaryFolder();
        RandomCheckpointWriter.Write(directory.Path, BlipPreset.Tiny, seed: 11);

        var fromSafetensors = SafetensorsReader.ReadAll(directory.Combine("model.safetensors"));
        var fromTorch = TorchCheckpointReader.Read(directory.Combine("pytorch_model.bin"));

        Assert.Equal(BlipWeightLayout.StateDict(BlipPreset.Tiny.Architecture).Select(item => item.Name), fromTorch.Names);
        Assert.Equal(92, fromSafetensors.Count);
        Assert.Equal(BlipPreset.Tiny.StoredParameters, fromSafetensors.Values.Sum(tensor => tensor.ElementCount));
        foreach (var (name, tensor) in fromSafetensors)
        {
            Assert.True(tensor.Data.AsSpan().SequenceEqual(fromTorch.FloatTensors[name].Data), name);
        }

        Assert.Equal(fromTorch.FloatTensors[BlipWeightLayout.PredictionBias].Data, fromTorch.FloatTensors[BlipWeightLayout.DecoderBias].Data);
    }

    [Fact]
    public void Write_OnlyTorchBin_LeavesOutSafetensorsAndLoadsFromTheBin()
    {
        using var directory = new TemporaryFolder();

        RandomCheckpointWriter.Write(directory.Path, BlipPreset.Tiny, seed: 3, CheckpointFormats.TorchBin);
        var checkpoint = CheckpointLoader.Load(directory.Path);

        Assert.False(File.Exists(directory.Combine("model.safetensors")));
        Assert.EndsWith("pytorch_model.bin", Directory.GetFiles(directory.Path, "*.bin").Single(), StringComparison.Ordinal);
        Assert.Equal(RandomCheckpointWriter.Generate(new TensorLayout(BlipWeightLayout.WordEmbeddings, [30524, 32]), BlipPreset.Tiny, 3),
            checkpoint[BlipWeightLayout.WordEmbeddings].Data);
    }

    [Fact]
    public void Generate_SameSeed_IsDeterministicAndAnotherSeedDiffers()
    {
        var layout = new TensorLayout("vision_model.encoder.layers.0.mlp.fc1.weight", [100, 48]);

        var first = RandomCheckpointWriter.Generate(layout, BlipPreset.Tiny, 42);
        var again = RandomCheckpointWriter.Generate(layout, BlipPreset.Tiny, 42);
        var other = RandomCheckpointWriter.Generate(layout, BlipPreset.Tiny, 43);

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    [Theory]
    [InlineData("vision_model.encoder.layers.1.layer_norm2.weight", 1.0, 0.1)]
    [InlineData("text_decoder.bert.embeddings.LayerNorm.bias", 0.0, 0.1)]
    [InlineData("text_decoder.bert.embeddings.word_embeddings.weight", 0.0, 0.2)]
    [InlineData("text_decoder.cls.predictions.decoder.weight", 0.0, 1.0)]
    public void Generate_FollowsTheTinyAInitialisation(string name, double mean, double deviation)
    {
        var values = RandomCheckpointWriter.Generate(new TensorLayout(name, [200_000]), BlipPreset.Tiny, 5);

        var actualMean = values.Average(value => (double)value);
        var actualDeviation = Math.Sqrt(values.Average(value => (value - actualMean) * (value - actualMean)));
        Assert.InRange(actualMean, mean - (deviation * 0.02), mean + (deviation * 0.02));
        Assert.InRange(actualDeviation, deviation * 0.98, deviation * 1.02);
    }

    [Fact]
    public void Generate_TiedPreset_OutputProjectionEqualsWordEmbeddings()
    {
        var shape = new[] { 30524, 768 };

        var projection = RandomCheckpointWriter.Generate(new TensorLayout(BlipWeightLayout.DecoderWeight, shape), BlipPreset.Base, 9);
        var embeddings = RandomCheckpointWriter.Generate(new TensorLayout(BlipWeightLayout.WordEmbeddings, shape), BlipPreset.Base, 9);

        Assert.Equal(embeddings, projection);
    }

    [Fact]
    public void StoredParameters_BasePreset_Is247414076()
    {
        Assert.Equal(247_414_076, BlipPreset.Base.StoredParameters);
    }

    [Fact]
    public void StoredParameters_TinyPreset_IsTinyAsStateDictLessTheTiedBias()
    {
        Assert.Equal(2_164_352 - 30_524, BlipPreset.Tiny.StoredParameters);
    }

    [Fact]
    public void Config_BasePreset_IsReadBackAsTheBaseArchitectureWithTiedEmbeddings()
    {
        var json = PresetConfig.For(BlipPreset.Base);

        Assert.Equal(BlipPreset.Base.Architecture, BlipConfigReader.ReadArchitecture(json));
        Assert.True(BlipConfigReader.ReadTieWordEmbeddings(json));
        Assert.Equal(new BlipCaptioning.Model.GenerationDefaults(), BlipConfigReader.ReadGenerationDefaults(json, null));
    }

    [Fact]
    public void Write_ExistingFolder_OverwritesItsFiles()
    {
        using var directory = new TemporaryFolder();
        File.WriteAllText(directory.Combine("config.json"), "not json");

        RandomCheckpointWriter.Write(directory.Path, BlipPreset.Tiny, seed: 1, CheckpointFormats.Safetensors);

        Assert.Equal(BlipPreset.Tiny.Architecture, BlipConfigReader.ReadDirectory(directory.Path).Architecture);
        Assert.Empty(Directory.GetFiles(directory.Path, "*.partial"));
    }

    [Fact]
    public void FromName_KnownAndUnknownNames()
    {
        Assert.Same(BlipPreset.Base, BlipPreset.FromName("Base"));
        Assert.Same(BlipPreset.Tiny, BlipPreset.FromName("tiny"));
        var error = Assert.Throws<ArgumentException>(() => BlipPreset.FromName("large"));
        Assert.Contains("tiny, base", error.Message, StringComparison.Ordinal);
    }
}

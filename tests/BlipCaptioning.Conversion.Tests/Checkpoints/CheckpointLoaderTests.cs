using BlipCaptioning.Conversion.CheckpointWriting;
using BlipCaptioning.Conversion.Checkpoints;
using BlipCaptioning.Testing;

namespace BlipCaptioning.Conversion.Tests.Checkpoints;

public sealed class CheckpointLoaderTests
{
    [Fact]
    public void Load_TinyA_ReadsSafetensorsWithEveryStateDictWeight()
    {
        var checkpoint = CheckpointLoader.Load(RepositoryPaths.TinyACheckpoint);

        Assert.Equal(93, checkpoint.Weights.Count);
        Assert.Equal(48, checkpoint.Architecture.Vision.HiddenSize);
        Assert.Equal([30524, 32], checkpoint[BlipWeightLayout.DecoderWeight].Shape);
        Assert.Equal(384, checkpoint.Preprocessing.ImageSize);
        Assert.Empty(checkpoint.Notes);
        Assert.EndsWith("checkpoint", checkpoint.Source, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_TinyAWithOnlyTheTorchBin_GivesTheSameWeights()
    {
        using var directory = CopyTinyA(withSafetensors: false);

        var fromBin = CheckpointLoader.Load(directory.Path);
        var fromSafetensors = CheckpointLoader.Load(RepositoryPaths.TinyACheckpoint);

        foreach (var (name, tensor) in fromSafetensors.Weights)
        {
            Assert.True(tensor.Data.AsSpan().SequenceEqual(fromBin[name].Data), name);
        }
    }

    [Fact]
    public void Load_MissingAndMisshapenWeights_ListsThemAllInOneError()
    {
        using var directory = CopyTinyA(withSafetensors: false);
        var tensors = SafetensorsReader.ReadAll(Path.Combine(RepositoryPaths.TinyACheckpoint, "model.safetensors"))
            .Where(pair => pair.Key is not "vision_model.post_layernorm.bias" and not "text_decoder.bert.encoder.layer.1.output.dense.weight")
            .Select(pair => pair.Key == "vision_model.embeddings.position_embedding" ? pair.Value with { Shape = [1, 2, 13848] } : pair.Value);
        SafetensorsWriter.Write(Path.Combine(directory.Path, "model.safetensors"), tensors);

        var error = Assert.Throws<CheckpointFormatException>(() => CheckpointLoader.Load(directory.Path));

        Assert.Contains("3 problem(s)", error.Message, StringComparison.Ordinal);
        Assert.Contains("missing: vision_model.post_layernorm.bias", error.Message, StringComparison.Ordinal);
        Assert.Contains("missing: text_decoder.bert.encoder.layer.1.output.dense.weight", error.Message, StringComparison.Ordinal);
        Assert.Contains("shape mismatch: vision_model.embeddings.position_embedding is [1, 2, 13848], config.json implies [1, 577, 48]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ConfigWithMoreLayersThanTheWeights_ReportsTheMissingLayer()
    {
        using var directory = CopyTinyA(withSafetensors: true);
        var configPath = Path.Combine(directory.Path, "config.json");
        File.WriteAllText(configPath, File.ReadAllText(configPath).Replace("\"num_hidden_layers\": 2,\n    \"num_attention_heads\": 4,\n    \"max_position", "\"num_hidden_layers\": 3,\n    \"num_attention_heads\": 4,\n    \"max_position", StringComparison.Ordinal));

        var error = Assert.Throws<CheckpointFormatException>(() => CheckpointLoader.Load(directory.Path));

        Assert.Contains("missing: text_decoder.bert.encoder.layer.2.attention.self.query.weight", error.Message, StringComparison.Ordinal);
        Assert.Contains("missing: text_decoder.bert.encoder.layer.2.output.LayerNorm.bias", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_OnlyDecoderBiasStored_FillsThePredictionBiasFromIt()
    {
        using var directory = WriteTinyAWithout(BlipWeightLayout.PredictionBias);

        var checkpoint = CheckpointLoader.Load(directory.Path);

        Assert.Equal(checkpoint[BlipWeightLayout.DecoderBias].Data, checkpoint[BlipWeightLayout.PredictionBias].Data);
        Assert.Equal(BlipWeightLayout.PredictionBias, checkpoint[BlipWeightLayout.PredictionBias].Name);
        Assert.Contains(checkpoint.Notes, note => note.StartsWith(BlipWeightLayout.PredictionBias + " is not stored", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_OnlyPredictionBiasStored_FillsTheDecoderBiasFromIt()
    {
        using var directory = WriteTinyAWithout(BlipWeightLayout.DecoderBias);

        var checkpoint = CheckpointLoader.Load(directory.Path);

        Assert.Equal(checkpoint[BlipWeightLayout.PredictionBias].Data, checkpoint[BlipWeightLayout.DecoderBias].Data);
        Assert.Equal(93, checkpoint.Weights.Count);
    }

    [Fact]
    public void Load_NoOutputProjectionAndUntied_ReportsItMissing()
    {
        using var directory = WriteTinyAWithout(BlipWeightLayout.DecoderWeight);

        var error = Assert.Throws<CheckpointFormatException>(() => CheckpointLoader.Load(directory.Path));

        Assert.Contains($"missing: {BlipWeightLayout.DecoderWeight} (tie_word_embeddings is false", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_NoOutputProjectionAndTied_UsesTheWordEmbeddings()
    {
        using var directory = WriteTinyAWithout(BlipWeightLayout.DecoderWeight);
        var configPath = Path.Combine(directory.Path, "config.json");
        File.WriteAllText(configPath, File.ReadAllText(configPath).Replace("\"tie_word_embeddings\": false", "\"tie_word_embeddings\": true", StringComparison.Ordinal));

        var checkpoint = CheckpointLoader.Load(directory.Path);

        Assert.Same(checkpoint[BlipWeightLayout.WordEmbeddings].Data, checkpoint[BlipWeightLayout.DecoderWeight].Data);
    }

    [Fact]
    public void Load_DifferentDuplicateBiases_UsesThePredictionBiasForBothAsTransformersTies()
    {
        using var directory = CopyTinyA(withSafetensors: false);
        var tensors = SafetensorsReader.ReadAll(Path.Combine(RepositoryPaths.TinyACheckpoint, "model.safetensors"))
            .Select(pair => pair.Key == BlipWeightLayout.DecoderBias ? pair.Value with { Data = new float[pair.Value.Data.Length] } : pair.Value);
        SafetensorsWriter.Write(Path.Combine(directory.Path, "model.safetensors"), tensors);

        var checkpoint = CheckpointLoader.Load(directory.Path);

        Assert.Equal(checkpoint[BlipWeightLayout.PredictionBias].Data, checkpoint[BlipWeightLayout.DecoderBias].Data);
        Assert.Contains(checkpoint.Notes, note => note.Contains("differs", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_ExtraTensors_AreToleratedAndReported()
    {
        using var directory = CopyTinyA(withSafetensors: false);
        var tensors = SafetensorsReader.ReadAll(Path.Combine(RepositoryPaths.TinyACheckpoint, "model.safetensors")).Values
            .Append(new CheckpointTensor("text_encoder.embeddings.word_embeddings.weight", [2, 2], [1, 2, 3, 4]));
        SafetensorsWriter.Write(Path.Combine(directory.Path, "model.safetensors"), tensors);

        var checkpoint = CheckpointLoader.Load(directory.Path);

        Assert.Equal(93, checkpoint.Weights.Count);
        Assert.False(checkpoint.Weights.ContainsKey("text_encoder.embeddings.word_embeddings.weight"));
        Assert.Contains(checkpoint.Notes, note => note.Contains("Ignored 1 tensor(s)", StringComparison.Ordinal)
            && note.Contains("text_encoder.embeddings.word_embeddings.weight", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_TorchBinWithInt64PositionIds_KeepsTheBufferOutOfTheWeightsAndReportsIt()
    {
        using var directory = CopyTinyA(withSafetensors: false);
        var state = TorchCheckpointReader.Read(Path.Combine(RepositoryPaths.TinyACheckpoint, "pytorch_model.bin"));
        var pickle = new HandmadePickle().StartStateDict();
        var storages = new Dictionary<string, byte[]>();
        foreach (var name in state.Names)
        {
            var tensor = state.FloatTensors[name];
            var key = storages.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var shape = tensor.Shape.ToArray();
            var strides = shape.Select((_, index) => shape.Skip(index + 1).Aggregate(1, (product, size) => product * size)).ToArray();
            pickle.Tensor(name, "FloatStorage", key, tensor.Data.Length, 0, shape, strides);
            storages[key] = HandmadePickle.Floats(tensor.Data);
        }

        pickle.Tensor("text_decoder.bert.embeddings.position_ids", "LongStorage", "ids", 512, 0, [1, 512], [512, 1]);
        storages["ids"] = HandmadePickle.Longs(Enumerable.Range(0, 512).Select(value => (long)value).ToArray());
        HandmadePickle.WriteTorchZip(Path.Combine(directory.Path, "pytorch_model.bin"), pickle.EndStateDict().ToArray(), storages);

        var checkpoint = CheckpointLoader.Load(directory.Path);

        Assert.Equal(93, checkpoint.Weights.Count);
        Assert.Equal(state.FloatTensors[BlipWeightLayout.WordEmbeddings].Data, checkpoint[BlipWeightLayout.WordEmbeddings].Data);
        Assert.Contains(checkpoint.Notes, note => note.Contains("text_decoder.bert.embeddings.position_ids", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_NoWeightsFile_SaysWhatIsExpected()
    {
        using var directory = new TemporaryFolder();
        File.Copy(Path.Combine(RepositoryPaths.TinyACheckpoint, "config.json"), directory.Combine("config.json"));

        var error = Assert.Throws<CheckpointFormatException>(() => CheckpointLoader.Load(directory.Path));

        Assert.Contains("neither model.safetensors nor pytorch_model.bin", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingFolder_SaysSo()
    {
        var error = Assert.Throws<CheckpointFormatException>(() => CheckpointLoader.Load("/nonexistent/blip"));

        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_BinWhose93TensorsAreStrideZeroViewsOfOneFourByteStorage_ListsTheShapesWithoutAllocatingThem()
    {
        using var directory = CopyTinyA(withSafetensors: false);
        var layout = BlipWeightLayout.StateDict(BlipConfigReader.ReadDirectory(directory.Path).Architecture);
        var pickle = new HandmadePickle().StartStateDict();
        foreach (var item in layout)
        {
            pickle.Tensor(item.Name, "FloatStorage", "0", 1, 0, [1 << 28], [0]);
        }

        HandmadePickle.WriteTorchZip(directory.Combine("pytorch_model.bin"), pickle.EndStateDict().ToArray(), new Dictionary<string, byte[]> { ["0"] = HandmadePickle.Floats(1) });
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();

        var error = Assert.Throws<CheckpointFormatException>(() => CheckpointLoader.Load(directory.Path));

        Assert.Equal(93, layout.Count);
        Assert.Contains("(93 problem(s))", error.Message, StringComparison.Ordinal);
        Assert.Contains("shape mismatch: vision_model.embeddings.class_embedding is [268435456], config.json implies [1, 1, 48]", error.Message, StringComparison.Ordinal);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - allocatedBefore < (64 << 20), "the views were allocated before being refused");
    }

    [Fact]
    public void Load_SafetensorsWeightOfAnotherShape_IsListedWithoutBeingRead()
    {
        using var directory = CopyTinyA(withSafetensors: false);
        var huge = new CheckpointTensor("text_decoder.bert.embeddings.word_embeddings.weight", [1 << 24, 2], new float[1 << 25]);
        SafetensorsWriter.Write(directory.Combine("model.safetensors"), SafetensorsReader.ReadAll(Path.Combine(RepositoryPaths.TinyACheckpoint, "model.safetensors"))
            .Select(pair => pair.Key == huge.Name ? huge : pair.Value));
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();

        var error = Assert.Throws<CheckpointFormatException>(() => CheckpointLoader.Load(directory.Path));

        Assert.Contains("shape mismatch: text_decoder.bert.embeddings.word_embeddings.weight is [16777216, 2], config.json implies [30524, 32]", error.Message, StringComparison.Ordinal);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - allocatedBefore < (64 << 20), "the misshapen weight was read before being refused");
    }

    private static TemporaryFolder CopyTinyA(bool withSafetensors)
    {
        var directory = new TemporaryFolder();
        foreach (var file in Directory.EnumerateFiles(RepositoryPaths.TinyACheckpoint))
        {
            if (withSafetensors || Path.GetFileName(file) != "model.safetensors")
            {
                File.Copy(file, Path.Combine(directory.Path, Path.GetFileName(file)));
            }
        }

        return directory;
    }

    private static TemporaryFolder WriteTinyAWithout(string name)
    {
        var directory = CopyTinyA(withSafetensors: false);
        var tensors = SafetensorsReader.ReadAll(Path.Combine(RepositoryPaths.TinyACheckpoint, "model.safetensors")).Where(pair => pair.Key != name).Select(pair => pair.Value);
        SafetensorsWriter.Write(Path.Combine(directory.Path, "model.safetensors"), tensors);
        return directory;
    }
}

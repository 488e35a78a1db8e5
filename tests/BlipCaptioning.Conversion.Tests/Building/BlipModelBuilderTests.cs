using BlipCaptioning.Conversion.Building;
using BlipCaptioning.Conversion.Checkpoints;
using BlipCaptioning.Conversion.Tests.Onnx;
using BlipCaptioning.Errors;
using BlipCaptioning.Model;
using BlipCaptioning.Testing;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace BlipCaptioning.Conversion.Tests.Building;

public sealed class BlipModelBuilderTests : IDisposable
{
    private readonly TemporaryFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Build_SyntheticCheckpoint_WritesGraphsDataFilesAssetsAndManifest()
    {
        var output = _temp.Combine("model");
        var manifest = BlipModelBuilder.Build(SyntheticCheckpoint.Create(SyntheticCheckpoint.TinyArchitecture()), output);

        string[] expected =
        [
            BlipModelContract.ManifestFileName, BlipModelContract.VisionEncoderFileName, BlipModelContract.CrossAttentionFileName,
            BlipModelContract.TextDecoderFileName, BlipModelContract.VocabularyFileName, BlipModelContract.PreprocessorConfigFileName,
            "tokenizer_config.json", "special_tokens_map.json",
        ];
        foreach (var file in expected)
        {
            Assert.True(File.Exists(Path.Combine(output, file)), $"{file} is missing");
        }

        Assert.Equal([BlipGraphRoles.TextCrossAttention, BlipGraphRoles.TextDecoder, BlipGraphRoles.VisionEncoder], manifest.Graphs.Keys.Order());
        foreach (var graph in manifest.Graphs.Values)
        {
            Assert.Equal(ModelFolder.Sha256Of(Path.Combine(output, graph.File)), graph.Sha256);
            Assert.Equal(graph.File + ".data", graph.DataFile);
            Assert.Equal(ModelFolder.Sha256Of(Path.Combine(output, graph.DataFile!)), graph.DataSha256);
        }

        var written = BlipModelManifest.FromJson(File.ReadAllText(Path.Combine(output, BlipModelContract.ManifestFileName)));
        Assert.Equal(manifest.ToJson(), written.ToJson());
        Assert.Equal("fp32", written.Precision);
        Assert.Equal(17, written.Opset);
        Assert.Equal(30522, File.ReadAllLines(Path.Combine(output, BlipModelContract.VocabularyFileName)).Length);
        Assert.Equal([output], Directory.EnumerateFileSystemEntries(_temp.Path));
    }

    [Fact]
    public void Build_CheckpointMadeInMemory_WritesTheHubsTokenizerFilesAndItsOwnPreprocessing()
    {
        var output = _temp.Combine("model");
        var checkpoint = SyntheticCheckpoint.Create(SyntheticCheckpoint.TinyArchitecture());
        Assert.Null(checkpoint.Directory);

        BlipModelBuilder.Build(checkpoint, output);

        Assert.Equal(DefaultHubFiles.TokenizerConfig, File.ReadAllText(Path.Combine(output, "tokenizer_config.json")));
        Assert.Equal(DefaultHubFiles.SpecialTokensMap, File.ReadAllText(Path.Combine(output, "special_tokens_map.json")));
        var preprocessing = BlipConfigReader.ReadPreprocessing(File.ReadAllText(Path.Combine(output, BlipModelContract.PreprocessorConfigFileName)));
        Assert.Equal(checkpoint.Preprocessing.ImageSize, preprocessing.ImageSize);
        Assert.Equal(checkpoint.Preprocessing.Mean, preprocessing.Mean);
        Assert.Equal(checkpoint.Preprocessing.Std, preprocessing.Std);
    }

    [Fact]
    public void Build_SyntheticCheckpoint_OnnxRuntimeSeesTheManifestsInputsAndOutputsInOrder()
    {
        var output = _temp.Combine("model");
        var manifest = BlipModelBuilder.Build(SyntheticCheckpoint.Create(SyntheticCheckpoint.TinyArchitecture(textLayers: 3)), output);

        foreach (var (role, graph) in manifest.Graphs)
        {
            using var session = new GraphSession(Path.Combine(output, graph.File));
            Assert.Equal(graph.Inputs.Select(input => input.Name), session.Session.InputNames);
            Assert.Equal(graph.Outputs.Select(o => o.Name), session.Session.OutputNames);
            foreach (var signature in graph.Inputs.Concat(graph.Outputs))
            {
                var metadata = session.Session.InputMetadata.TryGetValue(signature.Name, out var input) ? input : session.Session.OutputMetadata[signature.Name];
                Assert.Equal(signature.ElementType == "int64" ? TensorElementType.Int64 : TensorElementType.Float, metadata.ElementDataType);
                var actualShape = metadata.Dimensions.Select((size, axis) => size >= 0 ? size.ToString(System.Globalization.CultureInfo.InvariantCulture) : metadata.SymbolicDimensions[axis]);
                Assert.True(signature.Shape.SequenceEqual(actualShape), $"{role}/{signature.Name}: manifest [{string.Join(", ", signature.Shape)}], ONNX Runtime [{string.Join(", ", actualShape)}]");
            }
        }
    }

    [Fact]
    public void Build_SyntheticCheckpoint_SignaturesFollowTheModelContract()
    {
        var architecture = SyntheticCheckpoint.TinyArchitecture(textLayers: 2);
        var manifest = BlipModelBuilder.Build(SyntheticCheckpoint.Create(architecture), _temp.Combine("model"));
        var text = architecture.Text;
        string heads = text.Heads.ToString(System.Globalization.CultureInfo.InvariantCulture), hd = text.HeadDim.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var vision = manifest.Graphs[BlipGraphRoles.VisionEncoder];
        Assert.Equal(new TensorSignature("pixel_values", "float32", ["batch", "3", "32", "32"]), vision.Inputs.Single(), SignatureComparer.Instance);
        Assert.Equal(new TensorSignature("image_embeds", "float32", ["batch", "5", "24"]), vision.Outputs.Single(), SignatureComparer.Instance);

        var cross = manifest.Graphs[BlipGraphRoles.TextCrossAttention];
        Assert.Equal(new TensorSignature("image_embeds", "float32", ["images", "tokens", "24"]), cross.Inputs.Single(), SignatureComparer.Instance);
        Assert.Equal(["cross.0.key", "cross.0.value", "cross.1.key", "cross.1.value"], cross.Outputs.Select(o => o.Name));
        Assert.All(cross.Outputs, o => Assert.Equal(["images", heads, "tokens", hd], o.Shape));

        var decoder = manifest.Graphs[BlipGraphRoles.TextDecoder];
        Assert.Equal(
            ["input_ids", "past.0.key", "past.0.value", "past.1.key", "past.1.value", "cross.0.key", "cross.0.value", "cross.1.key", "cross.1.value"],
            decoder.Inputs.Select(i => i.Name));
        Assert.Equal(new TensorSignature("input_ids", "int64", ["batch", "seq"]), decoder.Inputs[0], SignatureComparer.Instance);
        Assert.Equal(["batch", heads, "past_seq", hd], decoder.Inputs[1].Shape);
        Assert.Equal(["images", heads, "tokens", hd], decoder.Inputs[5].Shape);
        Assert.Equal(["logits", "present.0.key", "present.0.value", "present.1.key", "present.1.value"], decoder.Outputs.Select(o => o.Name));
        Assert.Equal(new TensorSignature("logits", "float32", ["batch", "30524"]), decoder.Outputs[0], SignatureComparer.Instance);
        Assert.Equal(["batch", heads, "past_seq + seq", hd], decoder.Outputs[1].Shape);
    }

    [Fact]
    public void Build_CancelledToken_ThrowsAndLeavesNoFolder()
    {
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() => BlipModelBuilder.Build(
            SyntheticCheckpoint.Create(SyntheticCheckpoint.TinyArchitecture()), _temp.Combine("model"), cancellationToken: cancellation.Token));

        Assert.Empty(Directory.EnumerateFileSystemEntries(_temp.Path));
    }

    [Fact]
    public void Build_MissingWeight_ThrowsNamingTheWeightAndLeavesNoFolder()
    {
        var checkpoint = SyntheticCheckpoint.Create(SyntheticCheckpoint.TinyArchitecture());
        var weights = checkpoint.Weights.Where(pair => pair.Key != "text_decoder.bert.encoder.layer.1.output.dense.bias").ToDictionary();
        var output = _temp.Combine("model");

        var error = Assert.Throws<CaptioningException>(() => BlipModelBuilder.Build(checkpoint with { Weights = weights }, output));

        Assert.Contains("text_decoder.bert.encoder.layer.1.output.dense.bias", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_temp.Path));
    }

    [Fact]
    public void Build_WeightWithWrongShape_ThrowsNamingBothShapes()
    {
        var checkpoint = SyntheticCheckpoint.Create(SyntheticCheckpoint.TinyArchitecture());
        var weights = checkpoint.Weights.ToDictionary();
        const string name = "vision_model.encoder.layers.0.mlp.fc1.weight";
        weights[name] = weights[name] with { Shape = [24, 40] };

        var error = Assert.Throws<CaptioningException>(() => BlipModelBuilder.Build(checkpoint with { Weights = weights }, _temp.Combine("model")));

        Assert.Contains("[24, 40]", error.Message, StringComparison.Ordinal);
        Assert.Contains("[40, 24]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_IntoAnExistingModelFolder_ReplacesTheModel()
    {
        var output = _temp.Combine("model");
        BlipModelBuilder.Build(SyntheticCheckpoint.Create(SyntheticCheckpoint.TinyArchitecture(), seed: 1), output);
        var first = BlipModelManifest.FromJson(File.ReadAllText(Path.Combine(output, BlipModelContract.ManifestFileName)));

        var second = BlipModelBuilder.Build(SyntheticCheckpoint.Create(SyntheticCheckpoint.TinyArchitecture(), seed: 2), output);

        Assert.NotEqual(first.Graphs[BlipGraphRoles.TextDecoder].DataSha256, second.Graphs[BlipGraphRoles.TextDecoder].DataSha256);
        Assert.Equal(second.ToJson(), File.ReadAllText(Path.Combine(output, BlipModelContract.ManifestFileName)));
        Assert.Equal(second.Graphs[BlipGraphRoles.TextDecoder].DataSha256, ModelFolder.Sha256Of(Path.Combine(output, "text_decoder.onnx.data")));
        Assert.Single(Directory.EnumerateFileSystemEntries(_temp.Path));
    }

    [Theory]
    [InlineData(float.NaN, "NaN")]
    [InlineData(float.PositiveInfinity, "Infinity")]
    [InlineData(float.NegativeInfinity, "-Infinity")]
    public void Build_NonFiniteWeight_IsRefusedNamingTheWeightAndLeavesNoFolder(float value, string written)
    {
        var checkpoint = SyntheticCheckpoint.Create(SyntheticCheckpoint.TinyArchitecture());
        const string name = "text_decoder.bert.encoder.layer.1.output.dense.weight";
        var data = checkpoint[name].Data.ToArray();
        data[17] = value;
        var weights = checkpoint.Weights.ToDictionary();
        weights[name] = weights[name] with { Data = data };

        var error = Assert.Throws<CheckpointFormatException>(() => BlipModelBuilder.Build(checkpoint with { Weights = weights }, _temp.Combine("model")));

        Assert.Contains($"weight '{name}' holds {written} at position 17 of 576", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_temp.Path));
    }

    [Fact]
    public void Build_GenerationDefaultsTheRuntimeCannotRun_IsRefusedBeforeAnythingIsWritten()
    {
        var checkpoint = SyntheticCheckpoint.Create(SyntheticCheckpoint.TinyArchitecture()) with { Generation = new GenerationDefaults(MaxLength: 1_000_000_000, NumBeams: 1_000_000) };

        var error = Assert.Throws<CheckpointFormatException>(() => BlipModelBuilder.Build(checkpoint, _temp.Combine("model")));

        Assert.Contains("generation.max_length is 1000000000; it must be between 2 and 64", error.Message, StringComparison.Ordinal);
        Assert.Contains("generation.num_beams is 1000000; it must be between 1 and 16", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_temp.Path));
    }

    [Fact]
    public void Build_StagingFoldersLeftByKilledBuilds_AreRemovedButNotALiveOneOrAnother()
    {
        var output = _temp.Combine("model");
        string killed = StagingFolder(output, "building", ageMinutes: 60, withLockFile: true);
        string killedBeforeItsLock = StagingFolder(output, "building", ageMinutes: 60, withLockFile: false);
        string fresh = StagingFolder(output, "building", ageMinutes: 0, withLockFile: false);
        string otherTarget = StagingFolder(_temp.Combine("other"), "building", ageMinutes: 60, withLockFile: false);
        string notOurs = Directory.CreateDirectory(_temp.Combine(".model.building-mine")).FullName;
        Directory.SetLastWriteTimeUtc(notOurs, DateTime.UtcNow.AddHours(-1));
        string live = StagingFolder(output, "building", ageMinutes: 60, withLockFile: true);
        using (new FileStream(live + ".lock", FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
            BlipModelBuilder.Build(SyntheticCheckpoint.Create(SyntheticCheckpoint.TinyArchitecture()), output);
        }

        Assert.False(Directory.Exists(killed));
        Assert.False(File.Exists(killed + ".lock"));
        Assert.False(Directory.Exists(killedBeforeItsLock));
        Assert.True(Directory.Exists(fresh));
        Assert.True(Directory.Exists(otherTarget));
        Assert.True(Directory.Exists(notOurs));
        Assert.True(Directory.Exists(live));
        Assert.True(File.Exists(live + ".lock"));
    }

    /// <summary>What a build killed mid-way leaves: its staging folder (and lock file), unchanged for a while.</summary>
    private static string StagingFolder(string target, string kind, int ageMinutes, bool withLockFile)
    {
        string folder = Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.{kind}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "text_decoder.onnx.data"), "half written");
        var then = DateTime.UtcNow.AddMinutes(-ageMinutes);
        if (withLockFile)
        {
            File.WriteAllText(folder + ".lock", "");
            File.SetLastWriteTimeUtc(folder + ".lock", then);
        }

        Directory.SetLastWriteTimeUtc(folder, then);
        return folder;
    }

    private sealed class SignatureComparer : IEqualityComparer<TensorSignature>
    {
        public static readonly SignatureComparer Instance = new();

        public bool Equals(TensorSignature? x, TensorSignature? y) =>
            x is not null && y is not null && x.Name == y.Name && x.ElementType == y.ElementType && x.Shape.SequenceEqual(y.Shape);

        public int GetHashCode(TensorSignature obj) => obj.Name.GetHashCode(StringComparison.Ordinal);
    }
}

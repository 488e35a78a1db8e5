using BlipCaptioning.Conversion.Building;
using BlipCaptioning.Conversion.Checkpoints;
using BlipCaptioning.Conversion.Tests.Building;
using BlipCaptioning.Inference;

namespace BlipCaptioning.Conversion.Tests.Onnx;

/// <summary>The model folder built from the tiny-a checkpoint folder carries that folder's settings and files.</summary>
public sealed class TinyAModelFolderTests(TinyAFixture fixture) : IClassFixture<TinyAFixture>
{
    [Theory]
    [InlineData(BlipModelContract.VocabularyFileName)]
    [InlineData("tokenizer_config.json")]
    [InlineData("special_tokens_map.json")]
    [InlineData(BlipModelContract.PreprocessorConfigFileName)]
    public void Build_FromCheckpointFolder_CopiesTheTokenizerAndPreprocessorFilesUnchanged(string file)
    {
        Assert.Equal(File.ReadAllBytes(Path.Combine(fixture.Root, "checkpoint", file)), File.ReadAllBytes(Path.Combine(fixture.ModelDirectory, file)));
    }

    [Fact]
    public void BuildFromDirectory_TinyA_WritesTheSameFilesAsBuildingTheLoadedCheckpoint()
    {
        using var temp = new TemporaryFolder();

        var manifest = BlipModelBuilder.BuildFromDirectory(Path.Combine(fixture.Root, "checkpoint"), temp.Combine("model"));

        Assert.Equal(fixture.Manifest.ToJson(), manifest.ToJson());
        foreach (var file in Directory.EnumerateFiles(fixture.ModelDirectory).Select(Path.GetFileName))
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(fixture.ModelDirectory, file!)), File.ReadAllBytes(Path.Combine(temp.Combine("model"), file!)));
        }
    }

    [Fact]
    public void BuildFromDirectory_TorchBinInsteadOfSafetensors_WritesIdenticalGraphs()
    {
        using var temp = new TemporaryFolder();
        var checkpoint = temp.Combine("checkpoint");
        Directory.CreateDirectory(checkpoint);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(fixture.Root, "checkpoint")).Where(f => !f.EndsWith(".safetensors", StringComparison.Ordinal)))
        {
            File.Copy(file, Path.Combine(checkpoint, Path.GetFileName(file)));
        }

        var manifest = BlipModelBuilder.BuildFromDirectory(checkpoint, temp.Combine("model"));

        foreach (var (role, graph) in fixture.Manifest.Graphs)
        {
            Assert.Equal(graph.Sha256, manifest.Graphs[role].Sha256);
            Assert.Equal(graph.DataSha256, manifest.Graphs[role].DataSha256);
        }
    }

    [Fact]
    public void BuildFromDirectory_FolderWithoutConfig_ThrowsACheckpointErrorAndWritesNothing()
    {
        using var temp = new TemporaryFolder();
        Directory.CreateDirectory(temp.Combine("empty"));

        Assert.Throws<CheckpointFormatException>(() => BlipModelBuilder.BuildFromDirectory(temp.Combine("empty"), temp.Combine("model")));

        Assert.False(Directory.Exists(temp.Combine("model")));
    }

    [Fact]
    public void Build_FromCheckpointFolder_ManifestRecordsTheCheckpointsSizesAndSettings()
    {
        var manifest = fixture.Manifest;

        Assert.Equal(fixture.Checkpoint.Source, manifest.Source);
        Assert.Equal(new VisionDimensions(384, 16, 48, 2, 4, 100, 1e-5), manifest.Vision);
        Assert.Equal(new TextDimensions(32, 2, 4, 72, 30524, 512, 48, 1e-12), manifest.Text);
        Assert.Equal(new SpecialTokenIds(30522, 102, 0), manifest.Tokens);
        Assert.Equal(20, manifest.Generation.MaxLength);
        Assert.Equal(384, manifest.Preprocessing.ImageSize);
        Assert.Equal([0.48145466f, 0.4578275f, 0.40821073f], manifest.Preprocessing.Mean);
        Assert.Equal("577", manifest.Graphs[BlipGraphRoles.VisionEncoder].Outputs.Single().Shape[1]);
    }
}

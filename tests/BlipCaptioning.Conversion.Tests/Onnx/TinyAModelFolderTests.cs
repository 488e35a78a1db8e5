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

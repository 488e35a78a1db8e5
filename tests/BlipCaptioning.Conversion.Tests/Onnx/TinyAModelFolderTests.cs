using BlipCaptioning.Conversion.Building;
using BlipCaptioning.Conversion.Checkpoints;
using BlipCaptioning.Model;
using BlipCaptioning.Testing;

namespace BlipCaptioning.Conversion.Tests.Onnx;

/// <summary>
/// The model folder built from the tiny-a checkpoint folder carries that folder's settings and files, and the same
/// model comes out whether the weights are read from model.safetensors or from pytorch_model.bin.
/// </summary>
[Collection(TinyADefinition.Name)]
public sealed class TinyAModelFolderTests(TinyAFixture fixture)
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
    public void Build_TinyAFolderLoadedAgain_WritesTheSameFiles()
    {
        using var temp = new TemporaryFolder();

        var manifest = BlipModelBuilder.Build(CheckpointLoader.Load(fixture.SafetensorsBuild.CheckpointDirectory), temp.Combine("model"));

        Assert.Equal(fixture.Manifest.ToJson(), manifest.ToJson());
        foreach (var file in Directory.EnumerateFiles(fixture.ModelDirectory).Select(Path.GetFileName))
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(fixture.ModelDirectory, file!)), File.ReadAllBytes(Path.Combine(temp.Combine("model"), file!)));
        }
    }

    [Fact]
    public void Builds_FromSafetensorsAndFromPytorchModelBin_WriteByteIdenticalModelFolders()
    {
        var safetensors = fixture.SafetensorsBuild.ModelDirectory;
        var torchBin = fixture.TorchBinBuild.ModelDirectory;
        var files = Directory.EnumerateFiles(safetensors).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();

        Assert.Equal(files, Directory.EnumerateFiles(torchBin).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Contains(BlipModelContract.TextDecoderFileName, files);
        foreach (var file in files.Where(file => file != BlipModelContract.ManifestFileName))
        {
            Assert.True(File.ReadAllBytes(Path.Combine(safetensors, file!)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(torchBin, file!))),
                $"{file} built from model.safetensors differs from the one built from pytorch_model.bin");
        }

        // The manifests differ only in the checkpoint folder they name; the graph hashes they record are equal.
        Assert.Equal(fixture.SafetensorsBuild.Manifest.ToJson(), (fixture.TorchBinBuild.Manifest with { Source = fixture.SafetensorsBuild.Manifest.Source }).ToJson());
    }

    [Fact]
    public void LoadAndBuild_FolderWithoutConfig_ThrowsACheckpointErrorAndWritesNothing()
    {
        using var temp = new TemporaryFolder();
        Directory.CreateDirectory(temp.Combine("empty"));

        Assert.Throws<CheckpointFormatException>(() => BlipModelBuilder.Build(CheckpointLoader.Load(temp.Combine("empty")), temp.Combine("model")));

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

using BlipCaptioning.Errors;
using BlipCaptioning.Inference;
using BlipCaptioning.Model;
using static BlipCaptioning.Testing.HostileModelFolders;

namespace BlipCaptioning.Tests.Inference;

/// <summary>What loading a model folder checks before ONNX Runtime reads it: hashes, budgets, limits, file types.</summary>
[Collection(TinyModelDefinition.Name)]
public sealed class ModelIntegrityTests(TinyModelFixture fixture)
{
    [Fact]
    public void Load_OneFlippedByteInADataFile_IsRefusedNamingTheFileAndBothHashes()
    {
        string copy = fixture.CopyModel();
        string data = Path.Combine(copy, "text_decoder.onnx.data");
        string recorded = fixture.Manifest.Graphs[BlipGraphRoles.TextDecoder].DataSha256!;
        FlipByte(data, 5000);

        var ex = Assert.Throws<ModelContractException>(() => BlipModel.Load(copy));

        Assert.Contains($"{data} is damaged or was changed: its SHA-256 is {ModelIntegrity.Sha256Of(data)}, blip-model.json records {recorded}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_OneFlippedByteInAGraphFile_IsRefusedNamingTheFile()
    {
        string copy = fixture.CopyModel();
        FlipByte(Path.Combine(copy, "text_cross_kv.onnx"), 100);

        var ex = Assert.Throws<ModelContractException>(() => BlipModel.Load(copy));

        Assert.Contains("text_cross_kv.onnx is damaged or was changed", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ManifestWithoutTheGraphsSha256_IsRefusedAsUncheckable()
    {
        string copy = fixture.CopyModel();
        EditManifest(copy, manifest => manifest["graphs"]!["vision_encoder"]!.AsObject().Remove("sha256"));

        var ex = Assert.Throws<ModelContractException>(() => BlipModel.Load(copy));

        Assert.Contains("records no SHA-256 for vision_encoder.onnx", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_DataFileNamedOutsideTheFolder_IsRefused()
    {
        string copy = fixture.CopyModel();
        EditManifest(copy, manifest => manifest["graphs"]!["vision_encoder"]!["data_file"] = "../../etc/passwd");

        var ex = Assert.Throws<ModelContractException>(() => BlipModel.Load(copy));

        Assert.Contains("graph 'vision_encoder': data_file is '../../etc/passwd', expected 'vision_encoder.onnx.data' or none", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ManifestIsASymlinkToDevZero_IsRefusedNotReadUntilMemoryRunsOut()
    {
        string copy = fixture.CopyModel();
        string manifest = Path.Combine(copy, BlipModelContract.ManifestFileName);
        File.Delete(manifest);
        File.CreateSymbolicLink(manifest, "/dev/zero");

        var ex = Assert.Throws<ModelContractException>(() => BlipModel.Load(copy));

        Assert.Contains("blip-model.json is a character device, not a regular file", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ManifestLargerThanItsBudget_IsRefused()
    {
        string copy = fixture.CopyModel();
        string manifest = Path.Combine(copy, BlipModelContract.ManifestFileName);
        File.AppendAllText(manifest, new string(' ', 1 << 20));

        var ex = Assert.Throws<ModelContractException>(() => BlipModel.Load(copy));

        Assert.Contains("more than the 1,048,576 bytes allowed for it", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_VocabularySymlinkedToAFileOverItsBudget_IsRefusedByTheTargetsSize()
    {
        string copy = fixture.CopyModel();
        string large = Path.Combine(copy, "large.txt");
        using (var file = File.Create(large))
        {
            file.SetLength((8 << 20) + 1);
        }

        string vocabulary = Path.Combine(copy, BlipModelContract.VocabularyFileName);
        File.Delete(vocabulary);
        File.CreateSymbolicLink(vocabulary, large);

        var ex = Assert.Throws<ModelContractException>(() => BlipModel.Load(copy));

        Assert.Contains("vocab.txt is 8,388,609 bytes; vocab.txt may hold 8,388,608", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_GraphFileIsAFifo_IsRefusedNotWaitedOn()
    {
        string copy = fixture.CopyModel();
        string graph = Path.Combine(copy, "text_decoder.onnx");
        File.Delete(graph);
        MakeFifo(graph);

        var ex = Assert.Throws<ModelContractException>(() => BlipModel.Load(copy));

        Assert.Contains("text_decoder.onnx is a FIFO (named pipe), not a regular file", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("text", "layers", 1_000_000, "text.layers is 1000000; it must be between 1 and 128")]
    [InlineData("vision", "layers", 100_000_000, "vision.layers is 100000000; it must be between 1 and 128")]
    [InlineData("text", "vocab_size", 2_000_000_000, "text.vocab_size is 2000000000; it must be between 1 and 1048576")]
    [InlineData("vision", "image_size", 1_000_000, "vision.image_size is 1000000; it must be between 1 and 1024")]
    [InlineData("generation", "max_length", 1_000_000_000, "generation.max_length is 1000000000; it must be between 2 and 512")]
    [InlineData("generation", "num_beams", 1_000_000, "generation.num_beams is 1000000; it must be between 1 and 16")]
    public void Load_ManifestBeyondWhatTheRuntimeRuns_IsRefusedAtLoadNamingTheField(string section, string field, int value, string expected)
    {
        string copy = fixture.CopyModel();
        EditManifest(copy, manifest => manifest[section]![field] = value);

        var ex = Assert.Throws<ModelContractException>(() => BlipModel.Load(copy));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CaptionAsync_AbsurdGenerationDefaults_FailAtLoadWithTheFieldNotOnEveryCaption()
    {
        string copy = fixture.CopyModel();
        EditManifest(copy, manifest => manifest["generation"]!["num_beams"] = 1_000_000);
        using var captioner = new ImageCaptioner(new CaptioningOptions { ModelDirectory = copy, IntraOpThreads = 1 });

        var ex = await Assert.ThrowsAsync<ModelContractException>(() => captioner.DescribeModelAsync());

        Assert.Contains("generation.num_beams is 1000000", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CaptionAsync_VocabularyIsASymlinkToDevZero_FailsAtLoadSayingSo()
    {
        string copy = fixture.CopyModel();
        string vocabulary = Path.Combine(copy, BlipModelContract.VocabularyFileName);
        File.Delete(vocabulary);
        File.CreateSymbolicLink(vocabulary, "/dev/zero");
        using var captioner = new ImageCaptioner(new CaptioningOptions { ModelDirectory = copy, IntraOpThreads = 1 });
        await using var image = TinyModelFixture.OpenImage("rocket");

        var ex = await Assert.ThrowsAsync<ModelContractException>(() => captioner.CaptionAsync(image));

        Assert.Contains("vocab.txt is a character device, not a regular file", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CaptionAsync_ModelWhoseDecoderWeightsAreNaN_IsRefusedRatherThanGivingANaNScore()
    {
        string copy = fixture.CopyModel();
        FillDecoderWithNaN(copy);
        using var captioner = new ImageCaptioner(new CaptioningOptions { ModelDirectory = copy, IntraOpThreads = 1 });
        await using var image = TinyModelFixture.OpenImage("rocket");

        var ex = await Assert.ThrowsAsync<ModelContractException>(() => captioner.CaptionAsync(image));

        Assert.Contains("produced a non-finite score (NaN): its weights hold NaN or infinity", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_IntactModel_Passes()
    {
        var exception = Record.Exception(() => ModelIntegrity.Verify(fixture.ModelDirectory, fixture.Manifest));

        Assert.Null(exception);
    }

    [Fact]
    public void FilesOf_BuiltManifest_ListsTheGraphsWithTheirHashesAndTheAssets()
    {
        var files = ModelIntegrity.FilesOf(fixture.Manifest);

        Assert.Equal(
            ["vision_encoder.onnx", "vision_encoder.onnx.data", "text_cross_kv.onnx", "text_cross_kv.onnx.data", "text_decoder.onnx", "text_decoder.onnx.data",
             "vocab.txt", "preprocessor_config.json", "tokenizer_config.json", "special_tokens_map.json"],
            files.Select(file => file.Name));
        Assert.All(files.Take(6), file => Assert.Equal(ModelIntegrity.Sha256Of(Path.Combine(fixture.ModelDirectory, file.Name)), file.Sha256));
        Assert.All(files.Skip(6), file => Assert.Null(file.Sha256));
    }
}

using BlipCaptioning.Errors;
using BlipCaptioning.Model;
using static BlipCaptioning.Tests.Inference.TestManifests;

namespace BlipCaptioning.Tests.Inference;

public sealed class BlipModelValidatorTests
{
    [Fact]
    public void ValidateManifest_ManifestAsTheBuilderWritesIt_Passes()
    {
        var exception = Record.Exception(() => BlipModelValidator.ValidateManifest(Tiny()));

        Assert.Null(exception);
    }

    [Fact]
    public void ValidateManifest_MissingGraph_NamesTheGraphAndItsFile()
    {
        var manifest = Tiny();
        var graphs = new Dictionary<string, GraphSignature>(manifest.Graphs);
        graphs.Remove("text_cross_kv");

        var ex = Assert.Throws<ModelContractException>(() => BlipModelValidator.ValidateManifest(manifest with { Graphs = graphs }));

        Assert.Contains("graph 'text_cross_kv' is missing", ex.Message, StringComparison.Ordinal);
        Assert.Contains("text_cross_kv.onnx", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateManifest_WrongInputName_NamesGraphMissingTensorAndUnexpectedOne()
    {
        var manifest = Tiny().WithGraph("vision_encoder", g => g.ReplaceInput("pixel_values", T("pixels", "float32", "batch", "3", "384", "384")));

        var ex = Assert.Throws<ModelContractException>(() => BlipModelValidator.ValidateManifest(manifest));

        Assert.Contains("graph 'vision_encoder' input 'pixel_values': missing (expected float32 [batch, 3, 384, 384])", ex.Message, StringComparison.Ordinal);
        Assert.Contains("graph 'vision_encoder' input 'pixels': not part of the contract", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateManifest_WrongDtype_SaysExpectedAndFound()
    {
        var manifest = Tiny().WithGraph("text_decoder", g => g.ReplaceInput("past.1.value", T("past.1.value", "float16", "batch", "4", "past_seq", "8")));

        var ex = Assert.Throws<ModelContractException>(() => BlipModelValidator.ValidateManifest(manifest));

        Assert.Contains("graph 'text_decoder' input 'past.1.value': expected float32 [batch, 4, past_sequence, 8], found float16 [batch, 4, past_seq, 8]", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateManifest_WrongFixedDimension_SaysExpectedAndFound()
    {
        var manifest = Tiny().WithGraph("text_decoder", g => g.ReplaceOutput("logits", T("logits", "float32", "batch", "30522")));

        var ex = Assert.Throws<ModelContractException>(() => BlipModelValidator.ValidateManifest(manifest));

        Assert.Contains("graph 'text_decoder' output 'logits': expected float32 [batch, 30524], found float32 [batch, 30522]", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateManifest_BatchFixedToOne_IsRejectedBecauseBeamsNeedADynamicBatch()
    {
        var manifest = Tiny().WithGraph("vision_encoder", g => g.ReplaceInput("pixel_values", T("pixel_values", "float32", "1", "3", "384", "384")));

        var ex = Assert.Throws<ModelContractException>(() => BlipModelValidator.ValidateManifest(manifest));

        Assert.Contains("input 'pixel_values': expected float32 [batch, 3, 384, 384], found float32 [1, 3, 384, 384]", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateManifest_MissingLayerOutput_NamesTheTensor()
    {
        var manifest = Tiny().WithGraph("text_cross_kv", g => g with { Outputs = [.. g.Outputs.Where(t => t.Name != "cross.1.value")] });

        var ex = Assert.Throws<ModelContractException>(() => BlipModelValidator.ValidateManifest(manifest));

        Assert.Contains("graph 'text_cross_kv' output 'cross.1.value': missing", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateManifest_NewerFormatVersion_SaysWhichVersionThisRuntimeReads()
    {
        var ex = Assert.Throws<ModelContractException>(() => BlipModelValidator.ValidateManifest(Tiny() with { FormatVersion = 2 }));

        Assert.Contains("format_version is 2, this runtime reads version 1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateManifest_UnknownPrecision_ListsTheKnownOnes()
    {
        var ex = Assert.Throws<ModelContractException>(() => BlipModelValidator.ValidateManifest(Tiny() with { Precision = "fp8" }));

        Assert.Contains("precision is 'fp8', expected one of fp32, int8", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateManifest_SeveralProblems_ReportsAllOfThem()
    {
        var manifest = Tiny()
            .WithGraph("vision_encoder", g => g.ReplaceOutput("image_embeds", T("image_embeds", "float32", "batch", "577", "64")))
            .WithGraph("text_decoder", g => g.ReplaceInput("input_ids", T("input_ids", "int32", "batch", "seq")));

        var ex = Assert.Throws<ModelContractException>(() => BlipModelValidator.ValidateManifest(manifest));

        Assert.Contains("'image_embeds'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'input_ids': expected int64 [batch, sequence], found int32 [batch, seq]", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateManifest_Sha256ThatIsNotAHash_SaysSo()
    {
        var manifest = Tiny().WithGraph("text_cross_kv", g => g with { Sha256 = "../../etc/passwd" });

        var ex = Assert.Throws<ModelContractException>(() => BlipModelValidator.ValidateManifest(manifest));

        Assert.Contains("graph 'text_cross_kv': sha256 is not a SHA-256 (64 hexadecimal digits)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateManifest_SizesBeyondTheLimits_AreAllNamedAndTheSignaturesNotExpanded()
    {
        var manifest = Tiny() with
        {
            Text = Tiny().Text with { Layers = int.MaxValue, Heads = 0 },
            Vision = Tiny().Vision with { PatchSize = 1 },
            Tokens = new SpecialTokenIds(30524, 102, -1),
        };

        var ex = Assert.Throws<ModelContractException>(() => BlipModelValidator.ValidateManifest(manifest));

        Assert.Contains("text.layers is 2147483647; it must be between 1 and 128", ex.Message, StringComparison.Ordinal);
        Assert.Contains("text.heads is 0; it must be between 1 and 256", ex.Message, StringComparison.Ordinal);
        Assert.Contains("vision image tokens ((image_size / patch_size)² + 1) is 147457; it must be between 2 and 4097", ex.Message, StringComparison.Ordinal);
        Assert.Contains("tokens.decoder_start is 30524; it must be between 0 and 30523", ex.Message, StringComparison.Ordinal);
        Assert.Contains("tokens.pad is -1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateManifest_PreprocessingForAnotherImageSize_SaysBothSizes()
    {
        var manifest = Tiny() with { Preprocessing = Tiny().Preprocessing with { ImageSize = 224 } };

        var ex = Assert.Throws<ModelContractException>(() => BlipModelValidator.ValidateManifest(manifest));

        Assert.Contains("preprocessing.image_size is 224 but vision.image_size is 384", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateSession_SessionDiffersFromManifest_NamesTheFileAndTensor()
    {
        var graph = Tiny().Graphs["vision_encoder"];

        var ex = Assert.Throws<ModelContractException>(() => BlipModelValidator.ValidateSession("vision_encoder", graph,
            [T("pixel_values", "float32", "?", "3", "224", "224")], [T("image_embeds", "float32", "?", "577", "48")]));

        Assert.Contains("vision_encoder.onnx", ex.Message, StringComparison.Ordinal);
        Assert.Contains("input 'pixel_values': expected float32 [batch, 3, 384, 384], found float32 [?, 3, 224, 224]", ex.Message, StringComparison.Ordinal);
    }
}

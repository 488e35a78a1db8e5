using System.Text.Json.Nodes;
using BlipCaptioning.Errors;
using BlipCaptioning.Inference;

namespace BlipCaptioning.Tests.Inference;

[Collection(TinyModelDefinition.Name)]
public sealed class BlipModelTests(TinyModelFixture fixture)
{
    [Fact]
    public void Load_MissingDirectory_SaysHowToMakeAModel()
    {
        string missing = Path.Combine(fixture.Root, "no-such-model");

        var ex = Assert.Throws<ModelNotFoundException>(() => BlipModel.Load(missing));

        Assert.Contains("does not exist", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"blip model random --preset tiny --out {missing}", ex.Message, StringComparison.Ordinal);
        Assert.Contains("blip model fetch", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_FolderWithoutManifest_SaysItIsNotAModelDirectory()
    {
        string empty = Directory.CreateDirectory(Path.Combine(fixture.Root, "empty-" + Guid.NewGuid().ToString("N"))).FullName;

        var ex = Assert.Throws<ModelNotFoundException>(() => BlipModel.Load(empty));

        Assert.Contains("it has no blip-model.json", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingGraphFile_NamesTheFile()
    {
        string copy = fixture.CopyModel();
        File.Delete(Path.Combine(copy, "text_cross_kv.onnx"));

        var ex = Assert.Throws<ModelNotFoundException>(() => BlipModel.Load(copy));

        Assert.Contains("has no text_cross_kv.onnx", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ManifestDisagreesWithTheGraph_NamesGraphTensorExpectedAndActual()
    {
        string copy = fixture.CopyModel();
        string manifestPath = Path.Combine(copy, "blip-model.json");
        var manifest = JsonNode.Parse(File.ReadAllText(manifestPath))!;
        // Claim a vocabulary of 30523 ids: the manifest stays self-consistent, the decoder graph does not agree.
        manifest["text"]!["vocab_size"] = 30523;
        manifest["graphs"]!["text_decoder"]!["outputs"]![0]!["shape"]![1] = "30523";
        File.WriteAllText(manifestPath, manifest.ToJsonString());

        var ex = Assert.Throws<ModelContractException>(() => BlipModel.Load(copy));

        Assert.Contains("text_decoder.onnx", ex.Message, StringComparison.Ordinal);
        Assert.Contains("output 'logits': expected float32 [batch, 30523], found float32 [batch, 30524]", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ManifestIsNotJson_SaysSo()
    {
        string copy = fixture.CopyModel();
        File.WriteAllText(Path.Combine(copy, "blip-model.json"), "{ this is not json");

        var ex = Assert.Throws<ModelContractException>(() => BlipModel.Load(copy));

        Assert.Contains("is not a valid BLIP model manifest", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_CorruptGraph_NamesTheFile()
    {
        string copy = fixture.CopyModel();
        File.WriteAllBytes(Path.Combine(copy, "vision_encoder.onnx"), [1, 2, 3, 4]);

        var ex = Assert.Throws<ModelContractException>(() => BlipModel.Load(copy));

        Assert.Contains("vision_encoder.onnx", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_SessionSettingsHook_IsCalledForEveryGraph()
    {
        var configured = new List<string>();
        var settings = new BlipSessionSettings
        {
            IntraOpThreads = 1,
            ConfigureSessionOptions = options => configured.Add(options.LogId),
        };

        using var model = BlipModel.Load(fixture.ModelDirectory, settings);

        Assert.Equal(["blip:vision_encoder.onnx", "blip:text_cross_kv.onnx", "blip:text_decoder.onnx"], configured);
        Assert.Equal(fixture.Manifest.Text, model.Manifest.Text);
    }

    [Fact]
    public void CancellableRunOptions_TokenCancelled_RaisesTerminate()
    {
        using var cancellation = new CancellationTokenSource();
        using var run = new CancellableRunOptions(cancellation.Token);
        Assert.False(run.Options.Terminate);

        cancellation.Cancel();

        Assert.True(run.Options.Terminate);
    }
}

using BlipCaptioning.Conversion.Checkpoints;
using BlipCaptioning.Testing;

namespace BlipCaptioning.Conversion.Tests.Checkpoints;

public sealed class BlipWeightLayoutTests
{
    [Fact]
    public void StateDict_TinyAConfig_MatchesTransformersNamesOrderAndShapes()
    {
        var architecture = BlipConfigReader.ReadDirectory(RepositoryPaths.TinyACheckpoint).Architecture;
        var reference = TinyAParameters.Read();

        var layout = BlipWeightLayout.StateDict(architecture);

        Assert.Equal(reference.Keys, layout.Select(item => item.Name));
        Assert.All(layout, item => Assert.Equal(reference[item.Name], item.Shape));
    }

    [Fact]
    public void CountParameters_TinyAStateDict_Is2164352()
    {
        var architecture = BlipConfigReader.ReadDirectory(RepositoryPaths.TinyACheckpoint).Architecture;

        Assert.Equal(2_164_352, BlipWeightLayout.CountParameters(BlipWeightLayout.StateDict(architecture)));
    }

    [Fact]
    public void CountParameters_HubBaseStored_Is247414076()
    {
        var architecture = BlipConfigReader.ReadArchitecture(HubConfigs.BaseConfig);

        Assert.Equal(247_414_076, BlipWeightLayout.CountParameters(BlipWeightLayout.Stored(architecture)));
        Assert.Equal(86_090_496, BlipWeightLayout.CountParameters(BlipWeightLayout.Stored(architecture).Where(item => item.Name.StartsWith("vision_model.", StringComparison.Ordinal))));
    }

    [Fact]
    public void Stored_LeavesOutOnlyTheTiedDecoderBias()
    {
        var architecture = BlipConfigReader.ReadArchitecture(HubConfigs.BaseConfig);

        var missing = BlipWeightLayout.StateDict(architecture).Select(item => item.Name)
            .Except(BlipWeightLayout.Stored(architecture).Select(item => item.Name));

        Assert.Equal([BlipWeightLayout.DecoderBias], missing);
    }

    [Theory]
    [InlineData("vision_model.encoder.layers.0.layer_norm1.weight", true)]
    [InlineData("vision_model.post_layernorm.bias", true)]
    [InlineData("text_decoder.bert.embeddings.LayerNorm.weight", true)]
    [InlineData("text_decoder.cls.predictions.transform.dense.weight", false)]
    [InlineData("vision_model.encoder.layers.0.mlp.fc1.bias", false)]
    public void IsLayerNorm_RecognisesBothNamingStyles(string name, bool expected)
    {
        Assert.Equal(expected, BlipWeightLayout.IsLayerNorm(name));
    }
}

using System.Text.Json;
using BlipCaptioning.Testing;

namespace BlipCaptioning.Cli.Tests;

[Collection(CliDefinition.Name)]
public sealed class ModelBuildInt8Tests(CliFixture fixture)
{
    [Fact]
    public async Task ModelBuild_PrecisionInt8_BuildsAnInt8ModelThatCaptions()
    {
        string output = Path.Combine(fixture.Root, "int8-" + Guid.NewGuid().ToString("N"));

        var built = await CliRunner.RunAsync("model", "build", "--from", RepositoryPaths.TinyACheckpoint, "--out", output, "--precision", "int8");

        Assert.Equal(0, built.ExitCode);
        Assert.Contains("Built int8 model", built.Output, StringComparison.Ordinal);
        using (var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "blip-model.json"))))
        {
            Assert.Equal("int8", manifest.RootElement.GetProperty("precision").GetString());
        }

        var captioned = await CliRunner.RunAsync("caption", fixture.Photo("astronaut.png"), "--model", output, "--json");
        Assert.Equal(0, captioned.ExitCode);
        using var caption = JsonDocument.Parse(Assert.Single(captioned.OutputLines));
        Assert.Equal(20, caption.RootElement.GetProperty("token_ids").GetArrayLength());
    }

    [Fact]
    public async Task ModelBuild_UnknownPrecision_IsRejectedWithTheChoices()
    {
        var result = await CliRunner.RunAsync("model", "build", "--from", RepositoryPaths.TinyACheckpoint, "--out", Path.Combine(fixture.Root, "never"), "--precision", "int4");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("int4", result.Error, StringComparison.Ordinal);
        Assert.Contains("int8", result.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(fixture.Root, "never")));
    }

    [Fact]
    public async Task ModelFetch_Help_OffersInt8()
    {
        var result = await CliRunner.RunAsync("model", "fetch", "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("int8", result.Output, StringComparison.Ordinal);
    }
}

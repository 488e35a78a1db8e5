using System.Security.Cryptography;
using System.Text.Json;
using BlipCaptioning.Testing;

namespace BlipCaptioning.Cli.Tests;

[Collection(CliDefinition.Name)]
public sealed class ModelCommandsTests(CliFixture fixture)
{
    [Fact]
    public async Task ModelRandom_TinyPreset_WritesCheckpointAndAModelThatCaptions()
    {
        string output = Path.Combine(fixture.Root, "random-" + Guid.NewGuid().ToString("N"));

        var built = await CliRunner.RunAsync("model", "random", "--preset", "tiny", "--out", output, "--seed", "7");

        Assert.Equal(0, built.ExitCode);
        Assert.True(File.Exists(Path.Combine(output, "checkpoint", "config.json")));
        Assert.True(File.Exists(Path.Combine(output, "checkpoint", "model.safetensors")));
        foreach (string file in new[] { "blip-model.json", "vision_encoder.onnx", "text_cross_kv.onnx", "text_decoder.onnx", "vocab.txt" })
        {
            Assert.True(File.Exists(Path.Combine(output, file)), file);
            Assert.Contains(file, built.Output, StringComparison.Ordinal);
        }

        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "blip-model.json")));
        Assert.Equal("random:tiny:seed=7", manifest.RootElement.GetProperty("source").GetString());

        var captioned = await CliRunner.RunAsync("caption", fixture.Photo("astronaut.png"), "--model", output);
        Assert.Equal(0, captioned.ExitCode);
        Assert.StartsWith(fixture.Photo("astronaut.png") + "\t", Assert.Single(captioned.OutputLines), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModelRandom_SameSeedTwice_WritesTheSameWeights()
    {
        string first = Path.Combine(fixture.Root, "seeded-a-" + Guid.NewGuid().ToString("N"));
        string second = Path.Combine(fixture.Root, "seeded-b-" + Guid.NewGuid().ToString("N"));

        Assert.Equal(0, (await CliRunner.RunAsync("model", "random", "--out", first, "--seed", "3")).ExitCode);
        Assert.Equal(0, (await CliRunner.RunAsync("model", "random", "--out", second, "--seed", "3")).ExitCode);

        Assert.Equal(Sha256(Path.Combine(first, "text_decoder.onnx.data")), Sha256(Path.Combine(second, "text_decoder.onnx.data")));
    }

    [Fact]
    public async Task ModelRandom_UnknownPreset_IsRejectedWithTheChoices()
    {
        var result = await CliRunner.RunAsync("model", "random", "--preset", "huge", "--out", Path.Combine(fixture.Root, "never"));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("huge", result.Error, StringComparison.Ordinal);
        Assert.Contains("tiny", result.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(fixture.Root, "never")));
    }

    [Fact]
    public async Task ModelBuild_TinyACheckpoint_BuildsAModelAndPrintsItsFiles()
    {
        string output = Path.Combine(fixture.Root, "built-" + Guid.NewGuid().ToString("N"));
        string tinyA = RepositoryPaths.TinyACheckpoint;

        var result = await CliRunner.RunAsync("model", "build", "--from", tinyA, "--out", output);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Read 93 weights (2,164,352 parameters)", result.Output, StringComparison.Ordinal);
        Assert.Contains("text_decoder.onnx.data", result.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(output, "blip-model.json")));
    }

    [Fact]
    public async Task ModelBuild_MissingCheckpointFolder_OneLineErrorAndExitOne()
    {
        string missing = Path.Combine(fixture.Root, "no-checkpoint");

        var result = await CliRunner.RunAsync("model", "build", "--from", missing, "--out", Path.Combine(fixture.Root, "unused"));

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"blip: The checkpoint folder {missing} does not exist.", Assert.Single(result.ErrorLines));
        Assert.False(result.HasStackTrace, result.Error);
    }

    [Fact]
    public async Task Model_Help_ListsBuildAndRandom()
    {
        var result = await CliRunner.RunAsync("model", "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("build", result.Output, StringComparison.Ordinal);
        Assert.Contains("random", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModelRandom_Help_ExplainsPresetsOutAndSeed()
    {
        var result = await CliRunner.RunAsync("model", "random", "--help");

        Assert.Equal(0, result.ExitCode);
        foreach (string expected in new[] { "--preset", "tiny", "base", "--out", "--seed" })
        {
            Assert.Contains(expected, result.Output, StringComparison.Ordinal);
        }
    }

    private static string Sha256(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));
}

using System.Text.Json;

namespace BlipCaptioning.Cli.Tests;

[Collection(CliDefinition.Name)]
public sealed class CaptionCommandTests(CliFixture fixture)
{
    [Fact]
    public async Task Caption_TwoFiles_PrintsPathTabCaptionForEach()
    {
        string astronaut = fixture.Photo("astronaut.png");
        string rocket = fixture.Photo("nested", "rocket.jpg");

        var result = await CliRunner.RunAsync("caption", astronaut, rocket, "--model", fixture.ModelDirectory);

        Assert.Equal(0, result.ExitCode);
        Assert.Collection(result.OutputLines,
            line => Assert.StartsWith(astronaut + "\t", line, StringComparison.Ordinal),
            line => Assert.StartsWith(rocket + "\t", line, StringComparison.Ordinal));
        Assert.All(result.OutputLines, line => Assert.True(line.Split('\t')[1].Length > 0, line));
    }

    [Fact]
    public async Task Caption_SameImageTwiceAndThroughTheLibrary_GivesTheSameCaption()
    {
        string coffee = fixture.Photo("nested", "coffee.png");
        using var captioner = new ImageCaptioner(new CaptioningOptions { ModelDirectory = fixture.ModelDirectory });
        await using var stream = File.OpenRead(coffee);
        var expected = await captioner.CaptionAsync(stream);

        var result = await CliRunner.RunAsync("caption", coffee, "--model", fixture.ModelDirectory);

        Assert.Equal($"{coffee}\t{expected.Text}", Assert.Single(result.OutputLines));
    }

    [Fact]
    public async Task Caption_Folder_CaptionsItsImagesRecursivelyAndReportsTheBrokenOne()
    {
        var result = await CliRunner.RunAsync("caption", fixture.Photos, "--model", fixture.ModelDirectory);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(
            [fixture.Photo("astronaut.png"), fixture.Photo("nested", "coffee.png"), fixture.Photo("nested", "rocket.jpg")],
            result.OutputLines.Select(line => line.Split('\t')[0]));
        string error = Assert.Single(result.ErrorLines);
        Assert.StartsWith($"blip: {fixture.Photo("broken.jpg")}: ", error, StringComparison.Ordinal);
        Assert.DoesNotContain("notes.txt", result.Output + result.Error, StringComparison.Ordinal);
        Assert.False(result.HasStackTrace, result.Error);
    }

    [Fact]
    public async Task Caption_Glob_CaptionsTheMatchingFiles()
    {
        var result = await CliRunner.RunAsync("caption", Path.Combine(fixture.Photos, "**", "*.png"), "--model", fixture.ModelDirectory);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(
            [fixture.Photo("astronaut.png"), fixture.Photo("nested", "coffee.png")],
            result.OutputLines.Select(line => line.Split('\t')[0]));
    }

    [Fact]
    public async Task Caption_BadFileBetweenGoodOnes_ReportsItOnStderrCaptionsTheOthersAndExitsOne()
    {
        string broken = fixture.Photo("broken.jpg");

        var result = await CliRunner.RunAsync("caption", fixture.Photo("astronaut.png"), broken, fixture.Photo("nested", "rocket.jpg"), "--model", fixture.ModelDirectory);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(2, result.OutputLines.Length);
        string error = Assert.Single(result.ErrorLines);
        Assert.StartsWith($"blip: {broken}: ", error, StringComparison.Ordinal);
        Assert.False(result.HasStackTrace, result.Error);
    }

    [Fact]
    public async Task Caption_PathThatDoesNotExist_SaysSoAndExitsOne()
    {
        string missing = Path.Combine(fixture.Root, "no-such-photo.jpg");

        var result = await CliRunner.RunAsync("caption", missing, fixture.Photo("astronaut.png"), "--model", fixture.ModelDirectory);

        Assert.Equal(1, result.ExitCode);
        Assert.Single(result.OutputLines);
        Assert.Equal($"blip: {missing}: No such file, folder or matching glob.", Assert.Single(result.ErrorLines));
    }

    [Fact]
    public async Task Caption_Json_WritesOneObjectPerImageWithIdsScoreImageAndTimings()
    {
        string rocket = fixture.Photo("nested", "rocket.jpg");

        var result = await CliRunner.RunAsync("caption", rocket, "--json", "--model", fixture.ModelDirectory);

        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(Assert.Single(result.OutputLines));
        var root = json.RootElement;
        Assert.Equal(rocket, root.GetProperty("path").GetString());
        Assert.False(string.IsNullOrEmpty(root.GetProperty("caption").GetString()));
        Assert.Equal(30522, root.GetProperty("token_ids")[0].GetInt64());
        Assert.True(root.GetProperty("score").GetDouble() <= 0);
        Assert.Equal("JPEG", root.GetProperty("image").GetProperty("format").GetString(), ignoreCase: true);
        Assert.Equal(new FileInfo(rocket).Length, root.GetProperty("image").GetProperty("bytes").GetInt64());
        foreach (string stage in new[] { "decode", "preprocess", "vision", "cross_attention", "generate", "detokenize", "total" })
        {
            Assert.True(root.GetProperty("timings_ms").GetProperty(stage).GetDouble() >= 0, stage);
        }
    }

    [Fact]
    public async Task Caption_PresetPaper_RunsBeamSearchAndStripsThePrompt()
    {
        string astronaut = fixture.Photo("astronaut.png");

        var result = await CliRunner.RunAsync("caption", astronaut, "--preset", "paper", "--json", "--model", fixture.ModelDirectory);

        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(Assert.Single(result.OutputLines));
        var ids = json.RootElement.GetProperty("token_ids").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        Assert.Equal([30522, 1037, 3861, 1997], ids[..4]);
        Assert.InRange(ids.Length, 5, 20);
        Assert.DoesNotContain("a picture of", json.RootElement.GetProperty("caption").GetString()!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Caption_MissingModel_OneLineThatSaysHowToMakeAModelAndExitsThree()
    {
        string missing = Path.Combine(fixture.Root, "no-model-here");

        var result = await CliRunner.RunAsync("caption", fixture.Photo("astronaut.png"), "--model", missing);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains($"blip model fetch --out {missing}", result.Error, StringComparison.Ordinal);
        string error = Assert.Single(result.ErrorLines);
        Assert.Contains("blip model random --preset tiny", error, StringComparison.Ordinal);
        Assert.False(result.HasStackTrace, result.Error);
        Assert.Empty(result.Output);
    }

    [Fact]
    public async Task Caption_ZeroBeams_IsAUsageErrorNotAStackTrace()
    {
        var result = await CliRunner.RunAsync("caption", fixture.Photo("astronaut.png"), "--beams", "0", "--model", fixture.ModelDirectory);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--beams takes a whole number from 1 to 16; '0' is not one.", result.Error, StringComparison.Ordinal);
        Assert.Empty(result.Output);
        Assert.False(result.HasStackTrace, result.Error);
    }

    [Fact]
    public async Task Caption_Help_DescribesPathsAndOptions()
    {
        var result = await CliRunner.RunAsync("caption", "--help");

        Assert.Equal(0, result.ExitCode);
        foreach (string expected in new[] { "paths", "--model", "--prompt", "--beams", "--max-tokens", "--min-length", "--preset", "--json", "BLIP_MODEL", "--num-beams", "--max-new-tokens", "--batch-size", "--tiff", "--files-from", "Exit codes" })
        {
            Assert.Contains(expected, result.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Root_Help_ListsCaptionAndModel()
    {
        var result = await CliRunner.RunAsync("--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("caption", result.Output, StringComparison.Ordinal);
        Assert.Contains("model", result.Output, StringComparison.Ordinal);
    }
}

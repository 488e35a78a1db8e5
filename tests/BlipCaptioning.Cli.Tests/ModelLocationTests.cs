using BlipCaptioning.Testing;

namespace BlipCaptioning.Cli.Tests;

/// <summary>
/// Where blip looks for its model: --model, else $BLIP_MODEL, else a per-user folder under $XDG_CACHE_HOME
/// (~/.cache); and what it says when there is none. Run as separate processes, each with its own environment.
/// </summary>
[Collection(CliDefinition.Name)]
public sealed class ModelLocationTests(CliFixture fixture)
{
    [Fact]
    public async Task Caption_NoModelAnywhere_SaysToRunModelFetchAndExitsThree()
    {
        string cache = NewFolder();
        string expected = Path.Combine(cache, "blip", "models", "blip-image-captioning-base");

        var result = await CliProcess.RunAsync([], Environment(cache, blipModel: null), "caption", fixture.Photo("astronaut.png"));

        Assert.Equal(3, result.ExitCode);
        Assert.Empty(result.Output);
        string error = Assert.Single(result.ErrorLines);
        Assert.Contains($"the default model folder {expected} does not exist", error, StringComparison.Ordinal);
        Assert.Contains("`blip model fetch`", error, StringComparison.Ordinal);
        Assert.False(result.HasStackTrace, result.Error);
    }

    [Fact]
    public async Task Caption_ModelInThePerUserFolder_IsUsedWithoutOptions()
    {
        string cache = NewFolder();
        string modelFolder = Path.Combine(cache, "blip", "models", "blip-image-captioning-base");
        CopyModelTo(modelFolder);

        var result = await CliProcess.RunAsync([], Environment(cache, blipModel: null), "caption", fixture.Photo("astronaut.png"));

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith(fixture.Photo("astronaut.png") + "\t", Assert.Single(result.OutputLines), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Caption_BlipModelVariable_IsUsedAndModelOptionWinsOverIt()
    {
        string cache = NewFolder();
        string missing = Path.Combine(cache, "not-a-model");

        var fromVariable = await CliProcess.RunAsync([], Environment(cache, fixture.ModelDirectory), "caption", fixture.Photo("astronaut.png"));
        var optionWins = await CliProcess.RunAsync([], Environment(cache, missing), "caption", fixture.Photo("astronaut.png"), "--model", fixture.ModelDirectory);
        var badVariable = await CliProcess.RunAsync([], Environment(cache, missing), "caption", fixture.Photo("astronaut.png"));

        Assert.Equal(0, fromVariable.ExitCode);
        Assert.Equal(0, optionWins.ExitCode);
        Assert.Equal(fromVariable.Output, optionWins.Output);
        Assert.Equal(3, badVariable.ExitCode);
        Assert.Contains($"{missing} (from $BLIP_MODEL) does not exist", badVariable.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModelFetchAndCaption_Help_NameTheSameDefaultFolder()
    {
        string cache = NewFolder();
        string expected = Path.Combine(cache, "blip", "models", "blip-image-captioning-base");

        var fetchHelp = await CliProcess.RunAsync([], Environment(cache, blipModel: null), "model", "fetch", "--help");
        var captionHelp = await CliProcess.RunAsync([], Environment(cache, blipModel: null), "caption", "--help");

        Assert.Contains(expected, Flatten(fetchHelp.Output), StringComparison.Ordinal);
        Assert.Contains(expected, Flatten(captionHelp.Output), StringComparison.Ordinal);
        Assert.Contains("BLIP_MODEL", captionHelp.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Caption_ModelPointsAtACheckpointFolder_SuggestsModelBuildFromIt()
    {
        string checkpoint = Path.Combine(RepositoryPaths.TinyA, "checkpoint");

        var result = await CliRunner.RunAsync("caption", fixture.Photo("astronaut.png"), "--model", checkpoint);

        Assert.Equal(3, result.ExitCode);
        string error = Assert.Single(result.ErrorLines);
        Assert.Contains("is a Hugging Face checkpoint folder", error, StringComparison.Ordinal);
        Assert.Contains($"`blip model build --from {checkpoint} --out ", error, StringComparison.Ordinal);
        Assert.DoesNotContain("model fetch", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Caption_ModelFolderWithABrokenManifest_ExitsThree()
    {
        string model = fixture.CopyModel();
        File.WriteAllText(Path.Combine(model, "blip-model.json"), "{ not json");

        var result = await CliRunner.RunAsync("caption", fixture.Photo("astronaut.png"), "--model", model);

        Assert.Equal(3, result.ExitCode);
        Assert.Empty(result.Output);
        Assert.False(result.HasStackTrace, result.Error);
    }

    [Fact]
    public async Task ModelRandom_PrintsNoNotesAboutTheCheckpointItWroteItself()
    {
        string output = Path.Combine(fixture.Root, "random-quiet-" + Guid.NewGuid().ToString("N"));

        var result = await CliRunner.RunAsync("model", "random", "--out", output);

        Assert.Equal(0, result.ExitCode);
        Assert.Empty(result.Error);
        Assert.Contains($"Caption with: blip caption IMAGE --model {output}", result.Output, StringComparison.Ordinal);
    }

    private static Dictionary<string, string?> Environment(string cache, string? blipModel) => new()
    {
        ["XDG_CACHE_HOME"] = cache,
        ["BLIP_MODEL"] = blipModel,
    };

    private static string Flatten(string help) => string.Join("", help.Split('\n').Select(line => line.Trim()));

    private void CopyModelTo(string folder)
    {
        Directory.CreateDirectory(folder);
        foreach (string file in Directory.EnumerateFiles(fixture.ModelDirectory))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }
    }

    private string NewFolder() => Directory.CreateDirectory(Path.Combine(fixture.Root, "home-" + Guid.NewGuid().ToString("N"))).FullName;
}

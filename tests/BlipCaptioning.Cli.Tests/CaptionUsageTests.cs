namespace BlipCaptioning.Cli.Tests;

/// <summary>The command line is strict: unknown options are refused before any work; transformers' spellings are accepted.</summary>
[Collection(CliDefinition.Name)]
public sealed class CaptionUsageTests(CliFixture fixture)
{
    [Fact]
    public async Task Caption_UnknownOption_IsRefusedWithUsageAndExitTwoAndCaptionsNothing()
    {
        var result = await CliRunner.RunAsync("caption", fixture.Photo("astronaut.png"), "--max-new-token", "5", "--model", fixture.ModelDirectory);

        Assert.Equal(2, result.ExitCode);
        Assert.Empty(result.Output);
        Assert.Contains("blip caption: unknown option '--max-new-token'", result.Error, StringComparison.Ordinal);
        Assert.Contains("Usage: blip caption", result.Error, StringComparison.Ordinal);
        Assert.Contains("blip caption --help", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("No such file", result.Error, StringComparison.Ordinal);
        Assert.False(result.HasStackTrace, result.Error);
    }

    [Fact]
    public async Task Caption_NameStartingWithDashAfterDoubleDash_IsTakenAsAPath()
    {
        var result = await CliRunner.RunAsync("caption", "--model", fixture.ModelDirectory, "--", "-no-such.png");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("blip: -no-such.png: No such file, folder or matching glob.", Assert.Single(result.ErrorLines));
    }

    [Theory]
    [InlineData("--max-tokens", "--max-new-tokens", "4")]
    [InlineData("--beams", "--num-beams", "3")]
    public async Task Caption_TransformersSpelling_GivesTheSameCaptionAsOurs(string ours, string transformers, string value)
    {
        string rocket = fixture.Photo("nested", "rocket.jpg");

        var withOurs = await CliRunner.RunAsync("caption", rocket, ours, value, "--json", "--model", fixture.ModelDirectory);
        var withTransformers = await CliRunner.RunAsync("caption", rocket, transformers, value, "--json", "--model", fixture.ModelDirectory);

        Assert.Equal(0, withTransformers.ExitCode);
        Assert.Equal(TokenIds(withOurs), TokenIds(withTransformers));
    }

    [Fact]
    public async Task Caption_MaxNewTokens_LimitsTheGeneratedTokens()
    {
        var result = await CliRunner.RunAsync("caption", fixture.Photo("nested", "rocket.jpg"), "--max-new-tokens", "4", "--json", "--model", fixture.ModelDirectory);

        Assert.Equal(0, result.ExitCode);
        Assert.InRange(TokenIds(result).Length, 2, 5); // [DEC] and at most 4 new tokens
    }

    [Fact]
    public async Task Caption_BadNumberThroughAnAlias_NamesTheSpellingUsed()
    {
        var result = await CliRunner.RunAsync("caption", fixture.Photo("astronaut.png"), "--num-beams", "many", "--model", fixture.ModelDirectory);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--num-beams takes a whole number from 1 to 16; 'many' is not one.", result.Error, StringComparison.Ordinal);
        Assert.Empty(result.Output);
    }

    [Fact]
    public async Task Caption_MaxLengthBeyondTheDecoder_IsAUsageErrorNamingTheOption()
    {
        var result = await CliRunner.RunAsync("caption", fixture.Photo("astronaut.png"), fixture.Photo("nested", "rocket.jpg"), "--max-length", "4000", "--model", fixture.ModelDirectory);

        Assert.Equal(2, result.ExitCode);
        Assert.Empty(result.Output);
        Assert.Contains("--max-length", result.Error, StringComparison.Ordinal);
        Assert.Single(result.ErrorLines);
        Assert.False(result.HasStackTrace, result.Error);
    }

    [Fact]
    public async Task Caption_NothingToCaption_IsAUsageError()
    {
        var result = await CliRunner.RunAsync("caption", "--model", fixture.ModelDirectory);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("nothing to caption", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModelRandom_UnknownOption_IsRefusedAndWritesNothing()
    {
        string output = Path.Combine(fixture.Root, "never-" + Guid.NewGuid().ToString("N"));

        var result = await CliRunner.RunAsync("model", "random", "--out", output, "--sead", "3");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("'--sead'", result.Error, StringComparison.Ordinal);
        Assert.Contains("Usage: blip model random", result.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public async Task Model_WithoutASubcommand_IsAUsageError()
    {
        var result = await CliRunner.RunAsync("model");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Usage: blip model <command>", result.Error, StringComparison.Ordinal);
    }

    private static long[] TokenIds(CliResult result)
    {
        using var json = System.Text.Json.JsonDocument.Parse(Assert.Single(result.OutputLines));
        return [.. json.RootElement.GetProperty("token_ids").EnumerateArray().Select(e => e.GetInt64())];
    }
}

using System.Text.Json;
using BlipCaptioning.Conversion.Numpy;
using BlipCaptioning.Testing;
using BlipCaptioning.Tokenization;

namespace BlipCaptioning.Cli.Tests;

/// <summary>
/// <c>blip caption --model</c> on the model built from tests/fixtures/transformers-tiny-a prints, for each of its four
/// photos, the decode of transformers' greedy ids (reference/*.ids.npy), with and without <c>--prompt "a picture of"</c>.
/// </summary>
[Collection(CliDefinition.Name)]
public sealed class CaptionCommandTransformersParityTests(CliFixture fixture)
{
    private static readonly string[] Images = ["astronaut", "chelsea", "coffee", "rocket"];

    public static TheoryData<string> Runs() => ["greedy_uncond", "greedy_prompt"];

    [Theory]
    [MemberData(nameof(Runs))]
    public async Task Caption_FourTinyAPhotos_PrintsTheDecodeOfTransformersIds(string run)
    {
        string[] photos = Images.Select(Photo).ToArray();

        var result = await CliRunner.RunAsync(["caption", .. photos, .. PromptArguments(run), "--model", fixture.ModelDirectory]);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(photos.Length, result.OutputLines.Length);
        var tokenizer = Tokenizer();
        for (int i = 0; i < photos.Length; i++)
        {
            string expected = $"{photos[i]}\t{tokenizer.Decode(ReferenceIds(Images[i], run))}";
            Assert.True(expected == result.OutputLines[i], $"{Images[i]} {run}: blip caption printed\n  {result.OutputLines[i]}\nexpected the decode of transformers' ids\n  {expected}");
        }
    }

    [Theory]
    [MemberData(nameof(Runs))]
    public async Task Caption_FourTinyAPhotosAsJson_TokenIdsAreTransformersIds(string run)
    {
        string[] photos = Images.Select(Photo).ToArray();

        var result = await CliRunner.RunAsync(["caption", .. photos, .. PromptArguments(run), "--json", "--model", fixture.ModelDirectory]);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(photos.Length, result.OutputLines.Length);
        var tokenizer = Tokenizer();
        for (int i = 0; i < photos.Length; i++)
        {
            using var json = JsonDocument.Parse(result.OutputLines[i]);
            long[] ours = json.RootElement.GetProperty("token_ids").EnumerateArray().Select(id => id.GetInt64()).ToArray();
            long[] transformers = ReferenceIds(Images[i], run);
            Assert.Equal(photos[i], json.RootElement.GetProperty("path").GetString());
            Assert.True(transformers.SequenceEqual(ours), $"{Images[i]} {run} token_ids: ours [{string.Join(", ", ours)}], transformers [{string.Join(", ", transformers)}]");
            Assert.Equal(tokenizer.Decode(transformers), json.RootElement.GetProperty("caption").GetString());
        }
    }

    private static string[] PromptArguments(string run) => run == "greedy_prompt" ? ["--prompt", "a picture of"] : [];

    private static string Photo(string image) => RepositoryPaths.TinyAPhoto(image);

    private static long[] ReferenceIds(string image, string run) =>
        NpyReader.ReadFile(Path.Combine(RepositoryPaths.TinyA, "reference", $"{image}.{run}.ids.npy")).AsInt64s().ToArray();

    private BlipTokenizer Tokenizer() => BlipTokenizer.Create(Path.Combine(fixture.ModelDirectory, "vocab.txt"));
}

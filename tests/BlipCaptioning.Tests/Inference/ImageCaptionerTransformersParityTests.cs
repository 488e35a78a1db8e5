using BlipCaptioning.Conversion.Numpy;
using BlipCaptioning.Testing;
using BlipCaptioning.Tests.Preprocessing;
using BlipCaptioning.Tokenization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace BlipCaptioning.Tests.Inference;

/// <summary>
/// The public API as the Functions app uses it — <see cref="IImageCaptioner"/> resolved from
/// <c>AddBlipCaptioning(configuration.GetSection("Captioning"))</c> — on the model built from tests/fixtures/transformers-tiny-a,
/// from the photo files (our own decoding and resize), gives transformers' greedy ids and their decoded text.
/// </summary>
[Collection(TinyModelDefinition.Name)]
public sealed class ImageCaptionerTransformersParityTests(TinyModelFixture fixture)
{
    private const string Prompt = "a picture of";

    public static TheoryData<string, string> ImagesAndRuns()
    {
        var data = new TheoryData<string, string>();
        foreach (string image in new[] { "astronaut", "chelsea", "coffee", "rocket" })
        {
            data.Add(image, "greedy_uncond");
            data.Add(image, "greedy_prompt");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ImagesAndRuns))]
    public async Task CaptionAsync_ThroughIImageCaptioner_IdsAndTextEqualTransformers(string image, string run)
    {
        await using var provider = CaptioningServices();
        var captioner = provider.GetRequiredService<IImageCaptioner>();
        await using var stream = TinyModelFixture.OpenImage(image);

        var caption = await captioner.CaptionAsync(stream, Settings(run));

        long[] expected = TinyModelFixture.ReferenceIds(image, run);
        IdSequences.AssertEqual(expected, caption.TokenIds, $"{image} {run} ids");
        Assert.Equal(Tokenizer().Decode(expected), caption.Text);
    }

    [Fact]
    public async Task CaptionBatchAsync_AstronautAndChelseaTogether_EqualsTransformersBatchAndTheSingleRuns()
    {
        string[] images = ["astronaut", "chelsea"];
        await using var provider = CaptioningServices();
        var captioner = provider.GetRequiredService<IImageCaptioner>();
        var streams = images.Select(TinyModelFixture.OpenImage).ToList();
        IReadOnlyList<Caption> batch;
        try
        {
            batch = await captioner.CaptionBatchAsync(streams);
        }
        finally
        {
            streams.ForEach(stream => stream.Dispose());
        }

        var reference = NpyReader.ReadFile(Path.Combine(Fixtures.TinyA, "reference", "batch.greedy_uncond.ids.npy"));
        Assert.Equal([images.Length, 20], reference.Shape);
        long[] rows = reference.AsInt64s().ToArray();
        Assert.Equal(images.Length, batch.Count);
        for (int row = 0; row < images.Length; row++)
        {
            long[] expected = rows[(row * 20)..((row + 1) * 20)];
            IdSequences.AssertEqual(expected, batch[row].TokenIds, $"batch row {row} ({images[row]}) ids");
            IdSequences.AssertEqual(TinyModelFixture.ReferenceIds(images[row], "greedy_uncond"), batch[row].TokenIds, $"batch row {row} ({images[row]}) vs its single-image run");
            Assert.Equal(Tokenizer().Decode(expected), batch[row].Text);
        }
    }

    [Fact]
    public async Task CaptionBatchAsync_FourPhotosWithThePrompt_EachRowEqualsTransformersPromptRun()
    {
        string[] images = ["astronaut", "chelsea", "coffee", "rocket"];
        await using var provider = CaptioningServices();
        var captioner = provider.GetRequiredService<IImageCaptioner>();
        var streams = images.Select(TinyModelFixture.OpenImage).ToList();
        IReadOnlyList<Caption> batch;
        try
        {
            batch = await captioner.CaptionBatchAsync(streams, Settings("greedy_prompt"));
        }
        finally
        {
            streams.ForEach(stream => stream.Dispose());
        }

        Assert.Equal(images.Length, batch.Count);
        for (int row = 0; row < images.Length; row++)
        {
            long[] expected = TinyModelFixture.ReferenceIds(images[row], "greedy_prompt");
            IdSequences.AssertEqual(expected, batch[row].TokenIds, $"batch row {row} ({images[row]}) greedy_prompt ids");
            Assert.Equal(Tokenizer().Decode(expected), batch[row].Text);
        }
    }

    private static CaptionSettings? Settings(string run) => run switch
    {
        "greedy_uncond" => null,
        "greedy_prompt" => new CaptionSettings { Prompt = Prompt },
        _ => throw new ArgumentException($"Unknown reference run {run}", nameof(run)),
    };

    /// <summary>The Functions app's registration: the "Captioning" configuration section bound by AddBlipCaptioning.</summary>
    private ServiceProvider CaptioningServices()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Captioning:ModelDirectory"] = fixture.ModelDirectory,
            ["Captioning:IntraOpThreads"] = "1",
        }).Build();
        return new ServiceCollection().AddBlipCaptioning(configuration.GetSection("Captioning")).BuildServiceProvider();
    }

    private BlipTokenizer Tokenizer() => BlipTokenizer.Create(Path.Combine(fixture.ModelDirectory, "vocab.txt"));
}

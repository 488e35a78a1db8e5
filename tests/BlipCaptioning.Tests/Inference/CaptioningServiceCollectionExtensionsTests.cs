using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BlipCaptioning.Tests.Inference;

[Collection(TinyModelDefinition.Name)]
public sealed class CaptioningServiceCollectionExtensionsTests(TinyModelFixture fixture)
{
    [Fact]
    public void AddBlipCaptioning_Configuration_BindsTheCaptioningSection()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Captioning:ModelDirectory"] = "models/tiny",
            ["Captioning:MaxConcurrency"] = "3",
            ["Captioning:GraphOptimizationLevel"] = "ORT_ENABLE_BASIC",
            ["Captioning:EnableTiff"] = "true",
            ["Captioning:NumBeams"] = "3",
            ["Captioning:ThreadPool"] = "PerSession",
            ["Captioning:AllowSpinning"] = "false",
        }).Build();
        using var provider = new ServiceCollection().AddBlipCaptioning(configuration.GetSection("Captioning")).BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<CaptioningOptions>>().Value;

        Assert.Equal("models/tiny", options.ModelDirectory);
        Assert.Equal(3, options.MaxConcurrency);
        Assert.Equal(Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_ENABLE_BASIC, options.GraphOptimizationLevel);
        Assert.True(options.EnableTiff);
        Assert.Equal(3, options.NumBeams);
        Assert.Equal(BlipCaptioning.Inference.SessionThreadPool.PerSession, options.ThreadPool);
        Assert.False(options.AllowSpinning);
    }

    [Fact]
    public void AddBlipCaptioning_Resolved_IsOneLazySingletonThatHasNotLoadedTheModel()
    {
        using var provider = new ServiceCollection()
            .AddBlipCaptioning(o => o.ModelDirectory = Path.Combine(fixture.Root, "not-built-yet"))
            .BuildServiceProvider();

        var first = provider.GetRequiredService<IImageCaptioner>();
        var second = provider.GetRequiredService<IImageCaptioner>();

        Assert.Same(first, second);
        Assert.Same(first, provider.GetRequiredService<ImageCaptioner>());
        Assert.False(((ImageCaptioner)first).IsModelLoaded);
    }

    [Fact]
    public void AddBlipCaptioning_MissingModelDirectory_ValidateOnStartFailsWithTheHowTo()
    {
        using var provider = new ServiceCollection().AddBlipCaptioning(_ => { }).BuildServiceProvider();

        // What a host does at start-up for ValidateOnStart registrations.
        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("Captioning:ModelDirectory is not set. Build a model with `blip model random --preset tiny --out models/tiny`", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddBlipCaptioning_ResolvedCaptioner_CaptionsWithTheConfiguredModel()
    {
        await using var provider = new ServiceCollection()
            .AddBlipCaptioning(o => { o.ModelDirectory = fixture.ModelDirectory; o.IntraOpThreads = 1; })
            .BuildServiceProvider();
        provider.GetRequiredService<IStartupValidator>().Validate();
        var captioner = provider.GetRequiredService<IImageCaptioner>();
        await using var stream = TinyModelFixture.OpenImage("rocket");

        var caption = await captioner.CaptionAsync(stream);

        Assert.Equal(TinyModelFixture.ReferenceIds("rocket", "greedy_uncond"), caption.TokenIds);
    }
}

using BlipCaptioning.Inference;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace BlipCaptioning.Tests.Inference;

/// <summary>The code snippets of docs/captioning.md, compiled and run (keep both in step).</summary>
[Collection(TinyModelDefinition.Name)]
public sealed class CaptioningDocsTests(TinyModelFixture fixture)
{
    [Fact]
    public async Task Snippet_WithoutDependencyInjection_CaptionsAPhoto()
    {
        string modelDirectory = fixture.ModelDirectory;
        string photo = TinyModelFixture.ImagePath("rocket");

        #region Snippet:CaptionWithoutDI
        using var captioner = new ImageCaptioner(new CaptioningOptions { ModelDirectory = modelDirectory });

        await using (var image = File.OpenRead(photo))
        {
            Caption caption = await captioner.CaptionAsync(image);
            Console.WriteLine($"{caption.Text} ({caption.Timings.Total.TotalMilliseconds:F0} ms)");
        }

        await using (var image = File.OpenRead(photo))
        {
            // The BLIP paper's setting: prompt "a picture of ", 3 beams, min length 5, prompt stripped.
            Caption paper = await captioner.CaptionAsync(image, CaptionSettings.Paper);
            Console.WriteLine(paper.Text);
        }
        #endregion

        Assert.True(captioner.IsModelLoaded);
    }

    [Fact]
    public async Task Snippet_WithDependencyInjection_ResolvesAndCaptions()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Captioning:ModelDirectory"] = fixture.ModelDirectory })
            .Build();
        var services = new ServiceCollection();

        #region Snippet:CaptionWithDI
        // Program.cs: bind the "Captioning" section (Captioning__ModelDirectory, ...); nothing loads yet.
        services.AddBlipCaptioning(configuration.GetSection("Captioning"));
        #endregion

        await using var provider = services.BuildServiceProvider();
        var describer = ActivatorUtilities.CreateInstance<PhotoDescriber>(provider);
        await using var stream = TinyModelFixture.OpenImage("coffee");

        string text = await describer.DescribeAsync(stream, CancellationToken.None);

        await using var again = TinyModelFixture.OpenImage("coffee");
        var direct = await provider.GetRequiredService<IImageCaptioner>().CaptionAsync(again);
        Assert.Equal(direct.Text, text);
        Assert.Equal(TinyModelFixture.ReferenceIds("coffee", "greedy_uncond"), direct.TokenIds);
    }

    #region Snippet:CaptionConsumer
    public sealed class PhotoDescriber(IImageCaptioner captioner)
    {
        public async Task<string> DescribeAsync(Stream photo, CancellationToken cancellationToken)
        {
            Caption caption = await captioner.CaptionAsync(photo, cancellationToken: cancellationToken);
            return caption.Text;
        }
    }
    #endregion

    [Fact]
    public void Snippet_LowLevel_ModelTypesAreUsable()
    {
        string modelDirectory = fixture.ModelDirectory;

        #region Snippet:LoadModel
        using BlipModel model = BlipModel.Load(modelDirectory, new BlipSessionSettings { IntraOpThreads = 1 });
        Console.WriteLine($"{model.Manifest.Source}: {model.Manifest.Text.Layers} decoder layers, vocabulary {model.Manifest.Text.VocabSize}");
        #endregion

        Assert.Equal(2, model.Manifest.Text.Layers);
    }
}

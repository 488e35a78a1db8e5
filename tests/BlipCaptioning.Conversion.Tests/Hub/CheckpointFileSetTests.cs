using BlipCaptioning.Conversion.Hub;

namespace BlipCaptioning.Conversion.Tests.Hub;

public sealed class CheckpointFileSetTests
{
    private static readonly string[] RealMainBranch =
    [
        ".gitattributes", "README.md", "config.json", "preprocessor_config.json", "pytorch_model.bin",
        "special_tokens_map.json", "tf_model.h5", "tokenizer.json", "tokenizer_config.json", "vocab.txt",
    ];

    [Fact]
    public void SelectFrom_TheRealRepoListing_TakesTheBinAndTokenizerJsonButNotTfOrReadme()
    {
        var selected = CheckpointFileSet.Blip.SelectFrom(RealMainBranch, "o/n", "main");

        Assert.Equal(
            ["config.json", "preprocessor_config.json", "pytorch_model.bin", "special_tokens_map.json", "tokenizer.json", "tokenizer_config.json", "vocab.txt"],
            selected.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void SelectFrom_ListingWithSafetensorsAndBin_TakesOnlySafetensors()
    {
        var selected = CheckpointFileSet.Blip.SelectFrom([.. RealMainBranch, "model.safetensors"], "o/n", "main");

        Assert.Contains("model.safetensors", selected);
        Assert.DoesNotContain("pytorch_model.bin", selected);
    }

    [Fact]
    public void SelectFrom_RequiredFileMissing_ThrowsNamingIt()
    {
        var error = Assert.Throws<HubException>(() => CheckpointFileSet.Blip.SelectFrom([.. RealMainBranch.Where(f => f != "vocab.txt")], "o/n", "main"));

        Assert.Contains("has no vocab.txt", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SelectFrom_TransformersFiveListingWithProcessorConfig_TakesProcessorConfigInstead()
    {
        var selected = CheckpointFileSet.Blip.SelectFrom(
            [.. RealMainBranch.Where(f => f != "preprocessor_config.json"), "processor_config.json"], "o/n", "main");

        Assert.Contains("processor_config.json", selected);
        Assert.DoesNotContain("preprocessor_config.json", selected);
    }

    [Fact]
    public void SelectFrom_NoImageProcessorConfig_ThrowsNamingBothNames()
    {
        var error = Assert.Throws<HubException>(() => CheckpointFileSet.Blip.SelectFrom(
            [.. RealMainBranch.Where(f => f != "preprocessor_config.json")], "o/n", "main"));

        Assert.Contains("has none of preprocessor_config.json or processor_config.json", error.Message, StringComparison.Ordinal);
    }
}

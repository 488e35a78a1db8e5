using Microsoft.ML.OnnxRuntime;

namespace BlipCaptioning.Tests.Inference;

public sealed class CaptioningOptionsValidatorTests
{
    private static readonly CaptioningOptionsValidator Validator = new();

    [Fact]
    public void Validate_ModelDirectorySet_Succeeds()
    {
        var result = Validator.Validate(null, new CaptioningOptions { ModelDirectory = "models/tiny" });

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void Validate_NoModelDirectory_SaysHowToBuildOneAndWhichSettingToSet()
    {
        var result = Validator.Validate(null, new CaptioningOptions());

        Assert.True(result.Failed);
        Assert.Equal(
            "Captioning:ModelDirectory is not set. Build a model with `blip model random --preset tiny --out models/tiny` or `blip model fetch`, then set Captioning__ModelDirectory.",
            Assert.Single(result.Failures!));
    }

    [Theory]
    [InlineData(nameof(CaptioningOptions.MaxConcurrency), "Captioning:MaxConcurrency is 0; it must be at least 1")]
    [InlineData(nameof(CaptioningOptions.MaxImageBytes), "Captioning:MaxImageBytes is 0; it must be a positive number of bytes")]
    [InlineData(nameof(CaptioningOptions.MaxImagePixels), "Captioning:MaxImagePixels is 0; it must be a positive number of pixels")]
    [InlineData(nameof(CaptioningOptions.NumBeams), "Captioning:NumBeams is 0; use 1 for greedy decoding or more for beam search")]
    public void Validate_ZeroLimit_NamesTheSettingAndTheRule(string property, string expected)
    {
        var options = new CaptioningOptions { ModelDirectory = "m" };
        typeof(CaptioningOptions).GetProperty(property)!.SetValue(options, property switch
        {
            nameof(CaptioningOptions.MaxImageBytes) or nameof(CaptioningOptions.MaxImagePixels) => (object)0L,
            _ => 0,
        });

        var result = Validator.Validate(null, options);

        Assert.StartsWith(expected, Assert.Single(result.Failures!), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("00:00:00")]
    [InlineData("-00:00:01")]
    [InlineData("00:10:00.0010000")]
    public void Validate_ImageDecodeTimeoutOutOfRange_NamesTheSettingAndTheRange(string timeout)
    {
        var result = Validator.Validate(null, new CaptioningOptions { ModelDirectory = "m", ImageDecodeTimeout = TimeSpan.Parse(timeout, System.Globalization.CultureInfo.InvariantCulture) });

        Assert.StartsWith($"Captioning:ImageDecodeTimeout is {timeout}; use a time span over zero and at most 00:10:00", Assert.Single(result.Failures!), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_MaxImagePixelsOverTheUpperLimit_NamesTheLimit()
    {
        var result = Validator.Validate(null, new CaptioningOptions { ModelDirectory = "m", MaxImagePixels = 600_000_000 });

        Assert.StartsWith("Captioning:MaxImagePixels is 600000000; it must be a positive number of pixels up to 500000000", Assert.Single(result.Failures!), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_MaxConcurrencyOverTheUpperLimit_NamesTheLimit()
    {
        var result = Validator.Validate(null, new CaptioningOptions { ModelDirectory = "m", MaxConcurrency = 65 });

        Assert.StartsWith("Captioning:MaxConcurrency is 65; it must be at least 1 and at most 64", Assert.Single(result.Failures!), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_MoreBeamsThanTheSearchOffers_SaysTheMost()
    {
        var result = Validator.Validate(null, new CaptioningOptions { ModelDirectory = "m", NumBeams = 1_000_000 });

        Assert.StartsWith("Captioning:NumBeams is 1000000; use 1 for greedy decoding or more for beam search, at most 16", Assert.Single(result.Failures!), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_NegativeThreads_NamesBothSettings()
    {
        var result = Validator.Validate(null, new CaptioningOptions { ModelDirectory = "m", IntraOpThreads = -1, InterOpThreads = -2 });

        Assert.Collection(result.Failures!,
            f => Assert.StartsWith("Captioning:IntraOpThreads is -1", f, StringComparison.Ordinal),
            f => Assert.StartsWith("Captioning:InterOpThreads is -2", f, StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_MinLengthAboveMaxLength_SaysTheRange()
    {
        var result = Validator.Validate(null, new CaptioningOptions { ModelDirectory = "m", MinLength = 30, MaxLength = 20 });

        Assert.Equal("Captioning:MinLength is 30; it must be between 0 and MaxLength (20).", Assert.Single(result.Failures!));
    }

    [Fact]
    public void Validate_UndefinedOptimizationLevel_ListsTheNames()
    {
        var result = Validator.Validate(null, new CaptioningOptions { ModelDirectory = "m", GraphOptimizationLevel = (GraphOptimizationLevel)42 });

        Assert.Contains("ORT_ENABLE_ALL", Assert.Single(result.Failures!), StringComparison.Ordinal);
    }

    [Fact]
    public void DefaultCaptionSettings_NothingSet_UsesTheModelDefaults()
    {
        var defaults = new BlipCaptioning.Model.GenerationDefaults(MaxLength: 30, MinLength: 5, NumBeams: 3);

        var settings = new CaptioningOptions { ModelDirectory = "m" }.DefaultCaptionSettings(defaults);

        Assert.Equal((30, 5, 3, (string?)null), (settings.MaxLength, settings.MinLength, settings.NumBeams, settings.Prompt));
    }

    [Fact]
    public void DefaultCaptionSettings_OptionsSet_OverrideTheModelDefaults()
    {
        var options = new CaptioningOptions { ModelDirectory = "m", Prompt = "a picture of", NumBeams = 2, MaxLength = 25 };

        var settings = options.DefaultCaptionSettings(new BlipCaptioning.Model.GenerationDefaults(MinLength: 4));

        Assert.Equal((25, 4, 2, "a picture of"), (settings.MaxLength, settings.MinLength, settings.NumBeams, settings.Prompt));
    }

    [Fact]
    public void Constructor_InvalidOptions_ThrowsWithEveryProblem()
    {
        var ex = Assert.Throws<ArgumentException>(() => new ImageCaptioner(new CaptioningOptions { MaxConcurrency = 0 }));

        Assert.Contains("Captioning:ModelDirectory is not set", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Captioning:MaxConcurrency is 0", ex.Message, StringComparison.Ordinal);
    }
}

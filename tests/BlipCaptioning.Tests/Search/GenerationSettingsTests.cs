using BlipCaptioning.Model;
using BlipCaptioning.Search;

namespace BlipCaptioning.Tests.Search;

public sealed class GenerationSettingsTests
{
    [Fact]
    public void Resolve_PaperPreset_IsThreeBeamsMaxTwentyMinFive()
    {
        var settings = GenerationSettings.Resolve(CaptionSettings.Paper);

        Assert.Equal(3, settings.NumBeams);
        Assert.Equal(20, settings.MaxLength);
        Assert.Equal(5, settings.MinLength);
        Assert.Null(settings.MaxNewTokens);
        var strategy = Assert.IsType<BeamSearch>(settings.CreateStrategy());
        Assert.Equal(3, strategy.RowsPerImage);
    }

    [Fact]
    public void Resolve_DefaultCaptionSettings_IsTransformersGreedyDefault()
    {
        var settings = GenerationSettings.Resolve(CaptionSettings.Default);

        Assert.Equal(GenerationSettings.Default, settings);
        Assert.Equal(20, settings.MaxLength);
        Assert.Equal(102, settings.EndOfSequenceTokenId);
        Assert.Equal(0, settings.PadTokenId);
        Assert.IsType<GreedySearch>(settings.CreateStrategy());
    }

    [Fact]
    public void Resolve_NoCallerSettings_UsesTheManifestDefaults()
    {
        var defaults = new GenerationDefaults(MaxLength: 30, MinLength: 10, NumBeams: 4, LengthPenalty: 0.5, EarlyStopping: true);

        var settings = GenerationSettings.Resolve(null, defaults, new SpecialTokenIds(30522, 102, 0), maxPositions: 64);

        Assert.Equal(30, settings.MaxLength);
        Assert.Equal(10, settings.MinLength);
        Assert.Equal(4, settings.NumBeams);
        Assert.Equal(0.5, settings.LengthPenalty);
        Assert.True(settings.EarlyStopping);
        Assert.Equal(64, settings.MaxPositions);
    }

    [Fact]
    public void Resolve_CallerSettings_WinOverManifestDefaults()
    {
        var settings = GenerationSettings.Resolve(new CaptionSettings { MaxLength = 12 }, new GenerationDefaults(MaxLength: 30, NumBeams: 4));

        Assert.Equal(12, settings.MaxLength);
        Assert.Equal(1, settings.NumBeams);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(17)]
    public void Resolve_BeamsOutOfRange_ThrowsNamingNumBeams(int beams)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => GenerationSettings.Resolve(new CaptionSettings { NumBeams = beams }));

        Assert.Equal("NumBeams", error.ParamName);
        Assert.Contains("between 1 (greedy) and 16", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    public void Resolve_RepetitionPenaltyNotPositive_Throws(double penalty)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => GenerationSettings.Resolve(new CaptionSettings { RepetitionPenalty = penalty }));

        Assert.Equal("RepetitionPenalty", error.ParamName);
    }

    [Fact]
    public void Resolve_NegativeNoRepeatNgram_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => GenerationSettings.Resolve(new CaptionSettings { NoRepeatNgramSize = -1 }));
    }

    [Fact]
    public void Resolve_ZeroMaxNewTokens_Throws()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => GenerationSettings.Resolve(new CaptionSettings { MaxNewTokens = 0 }));

        Assert.Equal("MaxNewTokens", error.ParamName);
    }

    [Fact]
    public void Validate_MaxLengthBeyondPositions_ThrowsWithAdvice()
    {
        var settings = GenerationSettings.Default with { MaxLength = 513 };

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => settings.Validate(promptLength: 4));

        Assert.Equal("MaxLength", error.ParamName);
        Assert.Contains("512 positions", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_MaxNewTokensBeyondPositions_NamesMaxNewTokens()
    {
        var settings = GenerationSettings.Default with { MaxNewTokens = 510 };

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => settings.Validate(promptLength: 4));

        Assert.Equal("MaxNewTokens", error.ParamName);
    }

    [Fact]
    public void Validate_MinLengthAboveMaxLength_Throws()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => (GenerationSettings.Default with { MinLength = 21 }).Validate(promptLength: 1));

        Assert.Equal("MinLength", error.ParamName);
    }

    [Fact]
    public void Validate_PromptFillingAllPositions_Throws()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => (GenerationSettings.Default with { MaxNewTokens = 1 }).Validate(promptLength: 512));

        Assert.Contains("Shorten the prompt", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EffectiveMaxLength_MaxNewTokens_AddsToPromptLength()
    {
        Assert.Equal(20, GenerationSettings.Default.EffectiveMaxLength(4));
        Assert.Equal(7, (GenerationSettings.Default with { MaxNewTokens = 3 }).EffectiveMaxLength(4));
    }
}

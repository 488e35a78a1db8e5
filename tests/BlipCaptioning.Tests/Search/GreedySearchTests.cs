using BlipCaptioning.Search;

namespace BlipCaptioning.Tests.Search;

public sealed class GreedySearchTests
{
    private const long Dec = 30522;
    private const long Sep = TokenTree.Sep;
    private static readonly long[] s_unconditional = [Dec];
    private static readonly long[] s_aPictureOf = [Dec, 1037, 3861, 1997];

    private static GeneratedSequence GenerateOne(TokenTree tree, GenerationSettings settings, long[] start, out ScriptedDecoderRun decoder)
    {
        decoder = new ScriptedDecoderRun(images: 1, rowsPerImage: 1, tree.Script);
        return new GreedySearch(settings).Generate(decoder, start, CancellationToken.None)[0];
    }

    [Fact]
    public void Generate_ClearFavourites_PicksArgmaxAndStopsAtSeparatorWhichIsKept()
    {
        var tree = new TokenTree()
            .AfterLogits("", (5, 2f), (6, 1f))
            .AfterLogits("5", (7, 3f), (Sep, 1f))
            .AfterLogits("5,7", (Sep, 4f), (8, 1f));

        var result = GenerateOne(tree, GenerationSettings.Default, s_unconditional, out var decoder);

        Assert.Equal([Dec, 5, 7, Sep], result.Ids);
        Assert.True(result.Ended);
        Assert.Equal(3, result.Steps);
        Assert.Equal(1, result.PromptLength);
        Assert.Equal(3, decoder.AdvanceCalls); // prompt, 5, 7: nothing is fed after [SEP]
    }

    [Fact]
    public void Generate_Prompt_IsFedFirstAndKeptInTheOutput()
    {
        var tree = new TokenTree().AfterLogits("", (2450, 1f)).AfterLogits("2450", (Sep, 1f));

        var result = GenerateOne(tree, GenerationSettings.Default, s_aPictureOf, out var decoder);

        Assert.Equal([Dec, 1037, 3861, 1997, 2450, Sep], result.Ids);
        Assert.Equal(4, result.PromptLength);
        Assert.Equal([2450L, Sep], result.GeneratedIds);
        Assert.Equal([Dec, 1037, 3861, 1997, 2450], decoder.History(0));
    }

    [Fact]
    public void Generate_NeverEnding_StopsAtMaxLengthCountingDecAndPrompt()
    {
        var tree = new TokenTree { Fallback = [(9, 0f)] };

        var result = GenerateOne(tree, GenerationSettings.Default with { MaxLength = 6 }, s_aPictureOf, out var decoder);

        Assert.Equal([Dec, 1037, 3861, 1997, 9, 9], result.Ids);
        Assert.False(result.Ended);
        Assert.Equal(2, result.Steps);
        Assert.Equal(2, decoder.AdvanceCalls);
    }

    [Fact]
    public void Generate_DefaultSettingsUnconditional_StopsAtTwentyTokens()
    {
        var result = GenerateOne(new TokenTree { Fallback = [(9, 0f)] }, GenerationSettings.Default, s_unconditional, out _);

        Assert.Equal(20, result.Ids.Count);
        Assert.Equal(19, result.Steps);
    }

    [Fact]
    public void Generate_MaxNewTokens_OverridesMaxLength()
    {
        var settings = GenerationSettings.Default with { MaxLength = 5, MaxNewTokens = 3 };

        var result = GenerateOne(new TokenTree { Fallback = [(9, 0f)] }, settings, s_aPictureOf, out _);

        Assert.Equal([Dec, 1037, 3861, 1997, 9, 9, 9], result.Ids);
    }

    [Fact]
    public void Generate_ExactTie_PicksLowestId()
    {
        var tree = new TokenTree().AfterLogits("", (8, 1.5f), (4, 1.5f), (6, 1.0f)).AfterLogits("4", (Sep, 1f));

        var result = GenerateOne(tree, GenerationSettings.Default, s_unconditional, out _);

        Assert.Equal([Dec, 4, Sep], result.Ids);
    }

    [Fact]
    public void Generate_SeparatorAtFirstStep_ReturnsDecAndSeparator()
    {
        var tree = new TokenTree().AfterLogits("", (Sep, 5f), (7, 1f));

        var result = GenerateOne(tree, GenerationSettings.Default, s_unconditional, out var decoder);

        Assert.Equal([Dec, Sep], result.Ids);
        Assert.Equal(1, result.Steps);
        Assert.True(result.Ended);
        Assert.Equal(1, decoder.AdvanceCalls);
    }

    [Fact]
    public void Generate_MinLength_BlocksSeparatorUntilTheSequenceReachesIt()
    {
        // [SEP] is always the favourite; 9 is second. Sequence lengths 1, 2, 3 are below MinLength 4.
        var tree = new TokenTree { Fallback = [(Sep, 5f), (9, 1f)] };

        var result = GenerateOne(tree, GenerationSettings.Default with { MinLength = 4 }, s_unconditional, out _);

        Assert.Equal([Dec, 9, 9, 9, Sep], result.Ids);
    }

    [Fact]
    public void Generate_MinLength_CountsThePrompt()
    {
        var tree = new TokenTree { Fallback = [(Sep, 5f), (9, 1f)] };

        var result = GenerateOne(tree, GenerationSettings.Default with { MinLength = 5 }, s_aPictureOf, out _);

        Assert.Equal([Dec, 1037, 3861, 1997, 9, Sep], result.Ids);
    }

    [Fact]
    public void Generate_RepetitionPenaltyOnPositiveLogit_DividesAndChangesTheChoice()
    {
        // After "5": 5 (2.0) beats 6 (1.5); penalised 5 is 2.0 / 2 = 1.0 < 1.5.
        var tree = new TokenTree()
            .AfterLogits("", (5, 2f), (6, 1f))
            .AfterLogits("5", (5, 2f), (6, 1.5f))
            .AfterLogits("5,5", (Sep, 1f))
            .AfterLogits("5,6", (Sep, 1f));

        var plain = GenerateOne(tree, GenerationSettings.Default, s_unconditional, out _);
        var penalised = GenerateOne(tree, GenerationSettings.Default with { RepetitionPenalty = 2.0 }, s_unconditional, out _);

        Assert.Equal([Dec, 5, 5, Sep], plain.Ids);
        Assert.Equal([Dec, 5, 6, Sep], penalised.Ids);
    }

    [Fact]
    public void Generate_RepetitionPenaltyOnNegativeLogit_Multiplies()
    {
        // After "5": 5 (-1.0) beats 6 (-1.5); penalised 5 is -1.0 * 2 = -2.0 < -1.5.
        var tree = new TokenTree()
            .AfterLogits("", (5, 2f), (6, 1f))
            .AfterLogits("5", (5, -1f), (6, -1.5f))
            .AfterLogits("5,6", (Sep, 1f));

        var result = GenerateOne(tree, GenerationSettings.Default with { RepetitionPenalty = 2.0 }, s_unconditional, out _);

        Assert.Equal([Dec, 5, 6, Sep], result.Ids);
    }

    [Fact]
    public void Generate_RepetitionPenalty_CoversPromptIds()
    {
        // 1037 ("a") is in the prompt: 3.0 / 2 = 1.5 < 2.0.
        var tree = new TokenTree()
            .AfterLogits("", (1037, 3f), (2450, 2f))
            .AfterLogits("2450", (Sep, 1f))
            .AfterLogits("1037", (Sep, 1f));

        var result = GenerateOne(tree, GenerationSettings.Default with { RepetitionPenalty = 2.0 }, s_aPictureOf, out _);

        Assert.Equal([Dec, 1037, 3861, 1997, 2450, Sep], result.Ids);
    }

    [Fact]
    public void Generate_NoRepeatNgram_BlocksTokenThatRepeatsABigram()
    {
        // 5 and 6 alternate; at [DEC] 5 6 5 the bigram (5, 6) exists, so 6 is banned and 7 (second best) follows.
        var tree = new TokenTree()
            .AfterLogits("", (5, 3f), (7, 1f))
            .AfterLogits("5", (6, 3f), (7, 1f))
            .AfterLogits("5,6", (5, 3f), (7, 1f))
            .AfterLogits("5,6,5", (6, 3f), (7, 1f))
            .AfterLogits("5,6,5,6", (5, 3f), (7, 1f))
            .AfterLogits("5,6,5,7", (5, 3f), (7, 1f));
        var settings = GenerationSettings.Default with { MaxLength = 6 };

        var plain = GenerateOne(tree, settings, s_unconditional, out _);
        var blocked = GenerateOne(tree, settings with { NoRepeatNgramSize = 2 }, s_unconditional, out _);

        Assert.Equal([Dec, 5, 6, 5, 6, 5], plain.Ids);
        Assert.Equal([Dec, 5, 6, 5, 7, 5], blocked.Ids);
    }

    [Fact]
    public void Generate_Score_IsMeanLogProbabilityOfGeneratedTokens()
    {
        var tree = new TokenTree()
            .After("", (5, 0.5), (6, 0.3), (7, 0.2))
            .After("5", (Sep, 0.25), (6, 0.2), (7, 0.2), (8, 0.2), (9, 0.15));

        var result = GenerateOne(tree, GenerationSettings.Default, s_unconditional, out _);

        Assert.Equal([Dec, 5, Sep], result.Ids);
        Assert.Equal((Math.Log(0.5) + Math.Log(0.25)) / 2, result.Score, 5);
    }

    [Fact]
    public void Generate_BatchOfImages_FinishedRowsArePaddedUntilAllAreDone()
    {
        var tree0 = new TokenTree().AfterLogits("", (Sep, 2f), (5, 1f));
        var tree1 = new TokenTree().AfterLogits("", (5, 2f)).AfterLogits("5", (6, 2f)).AfterLogits("5,6", (Sep, 2f));
        var decoder = new ScriptedDecoderRun(images: 2, rowsPerImage: 1,
            (image, generated, logits) => (image == 0 ? tree0 : tree1).Fill(generated, logits));

        var results = new GreedySearch(GenerationSettings.Default).Generate(decoder, s_unconditional, CancellationToken.None);

        Assert.Equal([Dec, Sep], results[0].Ids);
        Assert.Equal([Dec, 5, 6, Sep], results[1].Ids);
        Assert.Equal([Dec, Sep, 0], decoder.History(0)); // pad 0 fed after [SEP] while image 1 goes on
        Assert.Equal(3, decoder.AdvanceCalls);
    }

    [Fact]
    public void Generate_CancelledMidGeneration_ThrowsOperationCanceled()
    {
        using var cancellation = new CancellationTokenSource();
        var decoder = new ScriptedDecoderRun(1, 1, new TokenTree { Fallback = [(9, 0f)] }.Script)
        {
            AfterAdvance = calls => { if (calls == 3) { cancellation.Cancel(); } },
        };

        Assert.Throws<OperationCanceledException>(() =>
            new GreedySearch(GenerationSettings.Default).Generate(decoder, s_unconditional, cancellation.Token));
        Assert.Equal(3, decoder.AdvanceCalls);
    }

    [Fact]
    public void Generate_MaxLengthNotAbovePrompt_ThrowsWithAdvice()
    {
        var decoder = new ScriptedDecoderRun(1, 1, new TokenTree().Script);

        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            new GreedySearch(GenerationSettings.Default with { MaxLength = 4 }).Generate(decoder, s_aPictureOf, CancellationToken.None));

        Assert.Equal("MaxLength", error.ParamName);
        Assert.Contains("greater than 4", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, decoder.AdvanceCalls);
    }

    [Fact]
    public void Constructor_SeveralBeams_Throws()
    {
        Assert.Throws<ArgumentException>(() => new GreedySearch(GenerationSettings.Default with { NumBeams = 3 }));
    }
}

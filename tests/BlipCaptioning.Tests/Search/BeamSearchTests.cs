using BlipCaptioning.Search;

namespace BlipCaptioning.Tests.Search;

public sealed class BeamSearchTests
{
    private const long Dec = 30522;
    private const long Sep = TokenTree.Sep;
    private static readonly long[] s_unconditional = [Dec];

    // Greedy takes 5 (0.6) then 7 (0.36 vs 0.34): "5 7 [SEP]", log p = ln(0.6 * 0.36) = -1.5325 over 3 tokens.
    // "6 [SEP]" has log p = ln(0.4 * 0.95) = -0.9676 over 2 tokens: better per token, found only by beams.
    private static TokenTree ShortBeatsGreedy() => new TokenTree()
        .After("", (5, 0.6), (6, 0.4))
        .After("5", (7, 0.36), (8, 0.34), (Sep, 0.3))
        .After("6", (Sep, 0.95), (9, 0.05));

    // "6 [SEP]" (ln 0.38 = -0.9676, 2 tokens) against "5 7 [SEP]" (ln 0.36 = -1.0217, 3 tokens).
    private static TokenTree LongBeatsShortPerToken() => new TokenTree()
        .After("", (5, 0.6), (6, 0.4))
        .After("5", (7, 0.6), (Sep, 0.4))
        .After("6", (Sep, 0.95), (9, 0.05));

    // After two steps "5 [SEP]" and, one step later, "6 8 [SEP]" are finished (num_beams = 2 of them), while the
    // open beam "5 7 9" (log p ln 0.25) can still end as "5 7 9 [SEP]" with score ln 0.25 / 4 = -0.347.
    private static TokenTree LateWinner() => new TokenTree()
        .After("", (5, 0.5), (6, 0.5))
        .After("5", (Sep, 0.5), (7, 0.5))
        .After("6", (Sep, 0.5), (8, 0.5))
        .After("5,7", (9, 1.0))
        .After("5,7,9", (Sep, 1.0))
        .After("6,8", (Sep, 1.0));

    private static GeneratedSequence GenerateOne(TokenTree tree, GenerationSettings settings, out ScriptedDecoderRun decoder)
    {
        decoder = new ScriptedDecoderRun(images: 1, rowsPerImage: settings.NumBeams, tree.Script);
        return settings.CreateStrategy().Generate(decoder, s_unconditional, CancellationToken.None)[0];
    }

    private static GenerationSettings Beams(int beams) => GenerationSettings.Default with { NumBeams = beams };

    [Fact]
    public void Generate_TwoBeams_FindsTheSequenceGreedyMisses()
    {
        var greedy = GenerateOne(ShortBeatsGreedy(), GenerationSettings.Default, out _);
        var beam = GenerateOne(ShortBeatsGreedy(), Beams(2), out var decoder);

        Assert.Equal([Dec, 5, 7, Sep], greedy.Ids);
        Assert.Equal([Dec, 6, Sep], beam.Ids);
        Assert.True(beam.Ended);
        Assert.Equal(Math.Log(0.4 * 0.95) / 2, beam.Score, 4);
        Assert.NotEmpty(decoder.Reorders);
    }

    [Fact]
    public void Generate_LengthPenaltyTwo_PrefersTheLongerHypothesis()
    {
        // lp 1: -0.9676 / 2 = -0.484 beats -1.5325 / 3 = -0.511; lp 2: -0.9676 / 4 = -0.242 loses to -1.5325 / 9 = -0.170.
        var normal = GenerateOne(ShortBeatsGreedy(), Beams(2), out _);
        var longer = GenerateOne(ShortBeatsGreedy(), Beams(2) with { LengthPenalty = 2.0 }, out _);

        Assert.Equal([Dec, 6, Sep], normal.Ids);
        Assert.Equal([Dec, 5, 7, Sep], longer.Ids);
        Assert.Equal(Math.Log(0.6 * 0.36) / 9, longer.Score, 4);
    }

    [Fact]
    public void Generate_LengthPenaltyZero_PrefersTheShorterHypothesis()
    {
        // lp 1: -1.0217 / 3 = -0.341 beats -0.9676 / 2 = -0.484; lp 0 compares raw sums: -0.9676 beats -1.0217.
        var normal = GenerateOne(LongBeatsShortPerToken(), Beams(2), out _);
        var shorter = GenerateOne(LongBeatsShortPerToken(), Beams(2) with { LengthPenalty = 0.0 }, out _);

        Assert.Equal([Dec, 5, 7, Sep], normal.Ids);
        Assert.Equal([Dec, 6, Sep], shorter.Ids);
        Assert.Equal(Math.Log(0.4 * 0.95), shorter.Score, 4);
    }

    [Fact]
    public void Generate_WithPrompt_LengthPenaltyCountsGeneratedTokensOnly()
    {
        // "5 7 [SEP]": ln(0.6 * 0.45) = -1.309; "6 [SEP]": ln(0.4 * 0.95) = -0.968. transformers >= 4.38 divides by
        // the generated length (3 vs 2): -0.436 beats -0.484. Dividing by the full length with [DEC] and the
        // 3-token prompt (6 vs 5, older versions) would pick "6 [SEP]" (-0.218 vs -0.194).
        var tree = new TokenTree()
            .After("", (5, 0.6), (6, 0.4))
            .After("5", (7, 0.45), (Sep, 0.55))
            .After("6", (Sep, 0.95), (9, 0.05))
            .After("5,7", (Sep, 1.0));
        long[] prompt = [Dec, 1037, 3861, 1997];
        var decoder = new ScriptedDecoderRun(1, 2, tree.Script);

        var result = Beams(2).CreateStrategy().Generate(decoder, prompt, CancellationToken.None)[0];

        Assert.Equal([Dec, 1037, 3861, 1997, 5, 7, Sep], result.Ids);
        Assert.Equal(Math.Log(0.6 * 0.45) / 3, result.Score, 4);
    }

    [Fact]
    public void Generate_EarlyStoppingTrue_StopsAtNumBeamsFinishedHypotheses()
    {
        var result = GenerateOne(LateWinner(), Beams(2) with { EarlyStopping = true }, out _);

        // "5 [SEP]" (ln 0.25 / 2) and "6 8 [SEP]" (ln 0.25 / 3 = -0.462) are finished: stop, the better one wins.
        Assert.Equal([Dec, 6, 8, Sep], result.Ids);
        Assert.Equal(Math.Log(0.25) / 3, result.Score, 4);
        Assert.Equal(3, result.Steps);
    }

    [Fact]
    public void Generate_EarlyStoppingFalse_KeepsSearchingWhileABeamCanStillWin()
    {
        // Heuristic: the open beam's ln 0.25 / 3 = -0.462 may still beat the worst finished -0.693, so go on.
        var result = GenerateOne(LateWinner(), Beams(2), out _);

        Assert.Equal([Dec, 5, 7, 9, Sep], result.Ids);
        Assert.Equal(Math.Log(0.25) / 4, result.Score, 4);
    }

    [Fact]
    public void Generate_NothingEnds_FinalizesOpenBeamsAtMaxLengthWithoutSeparator()
    {
        var tree = new TokenTree { Fallback = TokenTree.Probabilities((9, 0.7), (8, 0.3)) };
        var settings = Beams(3) with { MaxLength = 5 };

        var result = GenerateOne(tree, settings, out _);

        Assert.Equal([Dec, 9, 9, 9, 9], result.Ids);
        Assert.False(result.Ended);
        Assert.Equal(4 * Math.Log(0.7) / 4, result.Score, 4);
    }

    [Fact]
    public void Generate_MinLength_BlocksSeparatorInBeams()
    {
        var tree = new TokenTree { Fallback = TokenTree.Probabilities((Sep, 0.9), (9, 0.1)) };

        var result = GenerateOne(tree, Beams(2) with { MinLength = 3 }, out _);

        Assert.Equal([Dec, 9, 9, Sep], result.Ids);
    }

    [Fact]
    public void Generate_BatchOfTwoImagesWithThreeBeams_EqualsOneByOne()
    {
        TokenTree[] trees = [ShortBeatsGreedy(), LateWinner()];
        NextTokenScript script = (image, generated, logits) => trees[image].Fill(generated, logits);
        var search = Beams(3).CreateStrategy();

        var batch = new ScriptedDecoderRun(images: 2, rowsPerImage: 3, script);
        var together = search.Generate(batch, s_unconditional, CancellationToken.None);
        var alone = Enumerable.Range(0, 2)
            .Select(image => search.Generate(new ScriptedDecoderRun(1, 3, script, firstImage: image), s_unconditional, CancellationToken.None)[0])
            .ToArray();

        Assert.Equal(2, together.Count);
        for (var image = 0; image < 2; image++)
        {
            Assert.Equal(alone[image].Ids, together[image].Ids);
            Assert.Equal(alone[image].Score, together[image].Score);
            Assert.Equal(alone[image].Steps, together[image].Steps);
        }

        Assert.Contains(batch.Reorders, sources => sources.Where((source, row) => source != row).Any());
    }

    [Fact]
    public void Generate_CacheReorder_FollowsTheSurvivingBeams()
    {
        // Step 2 keeps two continuations of beam 0 ("5 7", "5 8"): row 1 must take row 0's cache.
        var decoder = new ScriptedDecoderRun(1, 2, ShortBeatsGreedy().Script);

        Beams(2).CreateStrategy().Generate(decoder, s_unconditional, CancellationToken.None);

        Assert.Contains(decoder.Reorders, sources => sources.SequenceEqual([0, 0]));
    }

    [Fact]
    public void Generate_CancelledMidGeneration_ThrowsOperationCanceled()
    {
        using var cancellation = new CancellationTokenSource();
        var tree = new TokenTree { Fallback = TokenTree.Probabilities((9, 0.7), (8, 0.3)) };
        var decoder = new ScriptedDecoderRun(1, 3, tree.Script)
        {
            AfterAdvance = calls => { if (calls == 2) { cancellation.Cancel(); } },
        };

        Assert.Throws<OperationCanceledException>(() => Beams(3).CreateStrategy().Generate(decoder, s_unconditional, cancellation.Token));
        Assert.Equal(2, decoder.AdvanceCalls);
    }

    [Fact]
    public void Generate_DecoderRowsNotAMultipleOfBeams_ThrowsArgumentException()
    {
        var decoder = new ScriptedDecoderRun(images: 1, rowsPerImage: 2, new TokenTree().Script);

        var error = Assert.Throws<ArgumentException>(() => Beams(3).CreateStrategy().Generate(decoder, s_unconditional, CancellationToken.None));

        Assert.Contains("multiple of 3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_OneBeam_Throws()
    {
        Assert.Throws<ArgumentException>(() => new BeamSearch(GenerationSettings.Default));
    }
}

using BlipCaptioning.Inference;
using BlipCaptioning.Preprocessing;
using BlipCaptioning.Search;
using Microsoft.ML.OnnxRuntime;

namespace BlipCaptioning.Tests.Inference;

[Collection(TinyModelDefinition.Name)]
public sealed class OnnxDecoderRunTests(TinyModelFixture fixture)
{
    private const float Tolerance = 1e-4f;

    [Fact]
    public void Advance_StepByStep_LastLogitsEqualOneStepOverTheWholeSequence()
    {
        using var cross = CrossAttentionFor("astronaut");
        long[] sequence = [30522, 1037, 3861, 1997, 1037];
        int vocab = fixture.Manifest.Text.VocabSize;
        var stepwise = new float[vocab];
        var whole = new float[vocab];

        using (var run = fixture.Model.StartDecoder(cross, 1))
        {
            run.Advance(sequence.AsSpan(0, 2), 2, stepwise, CancellationToken.None);
            for (int i = 2; i < sequence.Length; i++)
            {
                run.Advance(sequence.AsSpan(i, 1), 1, stepwise, CancellationToken.None);
            }

            Assert.Equal(sequence.Length, run.PastLength);
        }

        using (var run = fixture.Model.StartDecoder(cross, 1))
        {
            run.Advance(sequence, sequence.Length, whole, CancellationToken.None);
        }

        AssertClose(whole, stepwise);
    }

    [Fact]
    public void Advance_TwoImages_RowsUseTheirOwnImage()
    {
        using var both = CrossAttentionFor("astronaut", "coffee");
        using var second = CrossAttentionFor("coffee");
        int vocab = fixture.Manifest.Text.VocabSize;
        var batch = new float[2 * vocab];
        var single = new float[vocab];

        using (var run = fixture.Model.StartDecoder(both, 1))
        {
            run.Advance([30522, 30522], 1, batch, CancellationToken.None);
        }

        using (var run = fixture.Model.StartDecoder(second, 1))
        {
            run.Advance([30522], 1, single, CancellationToken.None);
        }

        AssertClose(single, batch.AsSpan(vocab, vocab));
        Assert.False(batch.AsSpan(0, vocab).SequenceEqual(batch.AsSpan(vocab, vocab)));
    }

    [Fact]
    public void ReorderRows_CopyRowOverTheOther_BothRowsContinueFromTheCopiedCache()
    {
        using var cross = CrossAttentionFor("chelsea");
        int vocab = fixture.Manifest.Text.VocabSize;
        var logits = new float[2 * vocab];
        using var run = fixture.Model.StartDecoder(cross, 2);
        // Two beams of one image with different histories.
        run.Advance([30522, 1037, 30522, 2450], 2, logits, CancellationToken.None);

        run.ReorderRows([1, 1]);
        run.Advance([2006, 2006], 1, logits, CancellationToken.None);

        AssertClose(logits.AsSpan(vocab, vocab), logits.AsSpan(0, vocab));

        var reference = new float[vocab];
        using var single = fixture.Model.StartDecoder(cross, 1);
        single.Advance([30522, 2450, 2006], 3, reference, CancellationToken.None);
        AssertClose(reference, logits.AsSpan(0, vocab));
    }

    [Fact]
    public void Advance_CancelledToken_ThrowsOperationCanceled()
    {
        using var cross = CrossAttentionFor("rocket");
        using var run = fixture.Model.StartDecoder(cross, 1);
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() => run.Advance([30522], 1, new float[run.VocabularySize], cancellation.Token));
    }

    [Fact]
    public void Advance_TokenCancelledAfterSomeSteps_NextStepThrowsOperationCanceled()
    {
        // The token is registered once per run; a cancellation between steps still stops the next one.
        using var cross = CrossAttentionFor("rocket");
        using var run = fixture.Model.StartDecoder(cross, 1);
        using var cancellation = new CancellationTokenSource();
        var logits = new float[run.VocabularySize];
        run.Advance([30522], 1, logits, cancellation.Token);
        run.Advance([1037], 1, logits, cancellation.Token);

        cancellation.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() => run.Advance([2450], 1, logits, cancellation.Token));
        Assert.Equal(2, run.PastLength);
    }

    [Fact]
    public void Advance_PromptThenSingleIds_ReusesTheStepBufferWithoutMixingRows()
    {
        // Two rows of one image fed different ids: each row's logits equal a one-row run over the same sequence.
        using var cross = CrossAttentionFor("coffee");
        int vocab = fixture.Manifest.Text.VocabSize;
        var both = new float[2 * vocab];
        using (var run = fixture.Model.StartDecoder(cross, 2))
        {
            run.Advance([30522, 1037, 30522, 2450], 2, both, CancellationToken.None);
            run.Advance([2006, 3899], 1, both, CancellationToken.None);
            run.Advance([1996, 2007], 1, both, CancellationToken.None);
        }

        var single = new float[vocab];
        using (var first = fixture.Model.StartDecoder(cross, 1))
        {
            first.Advance([30522, 1037, 2006, 1996], 4, single, CancellationToken.None);
        }

        AssertClose(single, both.AsSpan(0, vocab));
        using (var second = fixture.Model.StartDecoder(cross, 1))
        {
            second.Advance([30522, 2450, 3899, 2007], 4, single, CancellationToken.None);
        }

        AssertClose(single, both.AsSpan(vocab, vocab));
    }

    [Fact]
    public void Advance_WrongIdCount_SaysRowsTimesSequence()
    {
        using var cross = CrossAttentionFor("rocket");
        using var run = fixture.Model.StartDecoder(cross, 3);

        var ex = Assert.Throws<ArgumentException>(() => run.Advance([30522], 1, new float[3 * run.VocabularySize], CancellationToken.None));

        Assert.Contains("Expected 3 rows x 1 ids = 3 ids, got 1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GreedySearch_OverTheGraphsDirectly_EqualsTheCaptionerAndTransformers()
    {
        using var cross = CrossAttentionFor("coffee");
        using var run = fixture.Model.StartDecoder(cross, 1);
        var search = new GreedySearch(GenerationSettings.Resolve(CaptionSettings.Default, fixture.Manifest.Generation, fixture.Manifest.Tokens, fixture.Manifest.Text.MaxPositions));

        var sequence = Assert.Single(search.Generate(run, [30522], CancellationToken.None));

        Assert.Equal(TinyModelFixture.ReferenceIds("coffee", "greedy_uncond"), sequence.Ids);
    }

    [Fact]
    public async Task BeamSearch_OverTheGraphsDirectly_EqualsTheCaptionerWithThreeBeams()
    {
        var settings = new CaptionSettings { NumBeams = 3, MinLength = 5, MaxLength = 12 };
        var resolved = GenerationSettings.Resolve(settings, fixture.Manifest.Generation, fixture.Manifest.Tokens, fixture.Manifest.Text.MaxPositions);
        IReadOnlyList<GeneratedSequence> direct;
        using (var cross = CrossAttentionFor("astronaut", "rocket"))
        using (var run = fixture.Model.StartDecoder(cross, 3))
        {
            direct = new BeamSearch(resolved).Generate(run, [30522], CancellationToken.None);
        }

        using var captioner = new ImageCaptioner(fixture.Options());
        await using var astronaut = TinyModelFixture.OpenImage("astronaut");
        await using var rocket = TinyModelFixture.OpenImage("rocket");
        var captions = await captioner.CaptionBatchAsync([astronaut, rocket], settings);

        Assert.Equal(direct.Select(s => s.Ids), captions.Select(c => c.TokenIds));
        Assert.Equal(direct.Select(s => s.Score), captions.Select(c => c.Score));
        Assert.All(captions, c => Assert.InRange(c.TokenIds.Count, 5, 12));
    }

    [Fact]
    public async Task GreedySearch_RandomTinyPreset_CaptionerEqualsADirectRunOfTheGraphs()
    {
        using var model = BlipModel.Load(fixture.RandomTinyDirectory);
        IReadOnlyList<GeneratedSequence> direct;
        using (var cross = CrossAttentionFor(model, "chelsea", "rocket"))
        using (var run = model.StartDecoder(cross, 1))
        {
            var settings = GenerationSettings.Resolve(null, model.Manifest.Generation, model.Manifest.Tokens, model.Manifest.Text.MaxPositions);
            direct = new GreedySearch(settings).Generate(run, [30522], CancellationToken.None);
        }

        using var captioner = new ImageCaptioner(new CaptioningOptions { ModelDirectory = fixture.RandomTinyDirectory, IntraOpThreads = 1 });
        var captions = new List<Caption>();
        foreach (string image in new[] { "chelsea", "rocket" })
        {
            await using var stream = TinyModelFixture.OpenImage(image);
            captions.Add(await captioner.CaptionAsync(stream));
        }

        Assert.Equal(direct.Select(s => s.Ids), captions.Select(c => c.TokenIds));
    }

    private CrossAttentionCache CrossAttentionFor(params string[] images) => CrossAttentionFor(fixture.Model, images);

    private static CrossAttentionCache CrossAttentionFor(BlipModel model, params string[] images)
    {
        var preprocessor = new BlipImagePreprocessor(model.Manifest.Preprocessing);
        int length = preprocessor.PixelValuesLength;
        var pixels = new float[images.Length * length];
        for (int i = 0; i < images.Length; i++)
        {
            using var stream = TinyModelFixture.OpenImage(images[i]);
            using var image = preprocessor.LoadAsync(stream).GetAwaiter().GetResult();
            preprocessor.WritePixelValues(image, pixels.AsSpan(i * length, length));
        }

        int size = preprocessor.ImageSize;
        using var pixelValues = OrtValue.CreateTensorValueFromMemory(pixels, [images.Length, 3, size, size]);
        using var embeds = model.EncodeImages(pixelValues, CancellationToken.None);
        return model.ComputeCrossAttention(embeds, CancellationToken.None);
    }

    private static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        float worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
        }

        Assert.True(worst <= Tolerance, $"max |difference| {worst} > {Tolerance}");
    }
}

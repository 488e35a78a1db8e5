using BlipCaptioning.Errors;

namespace BlipCaptioning.Tests.Inference;

[Collection(TinyModelDefinition.Name)]
public sealed class ImageCaptionerTests(TinyModelFixture fixture)
{
    [Theory]
    [MemberData(nameof(TinyModelFixture.Images), MemberType = typeof(TinyModelFixture))]
    public async Task CaptionAsync_TinyAImage_GreedyIdsEqualTransformers(string image)
    {
        using var captioner = new ImageCaptioner(fixture.Options());
        await using var stream = TinyModelFixture.OpenImage(image);

        var caption = await captioner.CaptionAsync(stream);

        Assert.Equal(TinyModelFixture.ReferenceIds(image, "greedy_uncond"), caption.TokenIds);
    }

    [Theory]
    [MemberData(nameof(TinyModelFixture.Images), MemberType = typeof(TinyModelFixture))]
    public async Task CaptionAsync_PromptAPictureOf_IdsEqualTransformers(string image)
    {
        using var captioner = new ImageCaptioner(fixture.Options());
        await using var stream = TinyModelFixture.OpenImage(image);

        var caption = await captioner.CaptionAsync(stream, new CaptionSettings { Prompt = "a picture of" });

        Assert.Equal(TinyModelFixture.ReferenceIds(image, "greedy_prompt"), caption.TokenIds);
        Assert.StartsWith("a picture of", caption.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CaptionAsync_Result_CarriesImageFactsTimingsAndAFiniteScore()
    {
        using var captioner = new ImageCaptioner(fixture.Options());
        await using var stream = TinyModelFixture.OpenImage("rocket");

        var caption = await captioner.CaptionAsync(stream);

        Assert.Equal("JPEG", caption.Image.Format, ignoreCase: true);
        Assert.Equal(stream.Length, caption.Image.Bytes);
        Assert.True(caption.Image.Width > 0 && caption.Image.Height > 0);
        Assert.Equal(caption.TokenIds.Count - 1, caption.Timings.Steps);
        Assert.True(double.IsFinite(caption.Score) && caption.Score <= 0, $"score {caption.Score}");
        Assert.Equal(caption.Timings.Decode + caption.Timings.Preprocess + caption.Timings.Vision + caption.Timings.CrossAttention
            + caption.Timings.Generate + caption.Timings.Detokenize, caption.Timings.Total);
    }

    [Fact]
    public async Task CaptionAsync_NoSettings_RecordsTheResolvedDefaultsAndTheModel()
    {
        var options = fixture.Options();
        options.Prompt = "a picture of";
        options.NumBeams = 2;
        using var captioner = new ImageCaptioner(options);
        await using var stream = TinyModelFixture.OpenImage("chelsea");

        var caption = await captioner.CaptionAsync(stream);

        Assert.Equal(options.DefaultCaptionSettings(fixture.Manifest.Generation), caption.Settings);
        Assert.Equal(2, caption.Settings.NumBeams);
        Assert.Equal(await captioner.DescribeModelAsync(), caption.Model);
    }

    [Fact]
    public async Task CaptionBatchAsync_Settings_EveryCaptionRecordsThem()
    {
        using var captioner = new ImageCaptioner(fixture.Options());
        string[] names = ["astronaut", "rocket"];
        var streams = names.Select(TinyModelFixture.OpenImage).ToList();

        IReadOnlyList<Caption> batch;
        try
        {
            batch = await captioner.CaptionBatchAsync(streams, CaptionSettings.Paper);
        }
        finally
        {
            streams.ForEach(s => s.Dispose());
        }

        Assert.All(batch, caption => Assert.Same(CaptionSettings.Paper, caption.Settings));
        Assert.All(batch, caption => Assert.Equal(fixture.Manifest.Source, caption.Model.Source));
    }

    [Fact]
    public async Task CaptionBatchAsync_ThreeImages_EqualsOneByOne()
    {
        using var captioner = new ImageCaptioner(fixture.Options());
        string[] names = ["astronaut", "coffee", "rocket"];
        var single = new List<Caption>();
        foreach (string name in names)
        {
            await using var stream = TinyModelFixture.OpenImage(name);
            single.Add(await captioner.CaptionAsync(stream));
        }

        var streams = names.Select(TinyModelFixture.OpenImage).ToList();
        IReadOnlyList<Caption> batch;
        try
        {
            batch = await captioner.CaptionBatchAsync(streams);
        }
        finally
        {
            streams.ForEach(s => s.Dispose());
        }

        Assert.Equal(single.Select(c => c.TokenIds), batch.Select(c => c.TokenIds));
        Assert.Equal(single.Select(c => c.Text), batch.Select(c => c.Text));
        Assert.Equal(single.Select(c => c.Image), batch.Select(c => c.Image));
    }

    [Fact]
    public async Task CaptionBatchAsync_SecondImageBroken_NamesItsPosition()
    {
        using var captioner = new ImageCaptioner(fixture.Options());
        await using var good = TinyModelFixture.OpenImage("coffee");
        using var broken = new MemoryStream("not an image"u8.ToArray());

        var ex = await Assert.ThrowsAsync<UnsupportedImageException>(() => captioner.CaptionBatchAsync([good, broken]));

        Assert.StartsWith("Image 2 of 2: ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CaptionAsync_NotAnImage_ThrowsUnsupportedImageException()
    {
        using var captioner = new ImageCaptioner(fixture.Options());
        using var text = new MemoryStream("hello, this is text"u8.ToArray());

        await Assert.ThrowsAsync<UnsupportedImageException>(() => captioner.CaptionAsync(text));
    }

    [Fact]
    public async Task CaptionAsync_CancelledBeforeStart_ThrowsOperationCanceled()
    {
        using var captioner = new ImageCaptioner(fixture.Options());
        await using var stream = TinyModelFixture.OpenImage("coffee");
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => captioner.CaptionAsync(stream, cancellationToken: cancellation.Token));
    }

    [Fact]
    public async Task CaptionAsync_CancelledWhileRunning_ThrowsOperationCanceledAndCaptionerStillWorks()
    {
        using var captioner = new ImageCaptioner(fixture.Options());
        using var cancellation = new CancellationTokenSource();
        // The stream cancels the token once the image has been read: the cancellation lands mid-run.
        await using var stream = new CancelAtEndStream(File.ReadAllBytes(TinyModelFixture.ImagePath("coffee")), cancellation);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => captioner.CaptionAsync(stream, cancellationToken: cancellation.Token));
        Assert.True(stream.Cancelled);

        await using var again = TinyModelFixture.OpenImage("coffee");
        var caption = await captioner.CaptionAsync(again);
        Assert.Equal(TinyModelFixture.ReferenceIds("coffee", "greedy_uncond"), caption.TokenIds);
    }

    [Fact]
    public async Task CaptionAsync_EightConcurrentCallers_GiveIdenticalResults()
    {
        using var captioner = new ImageCaptioner(fixture.Options(maxConcurrency: 2));
        byte[] bytes = File.ReadAllBytes(TinyModelFixture.ImagePath("chelsea"));

        var captions = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            using var stream = new MemoryStream(bytes);
            return await captioner.CaptionAsync(stream);
        })));

        var expected = TinyModelFixture.ReferenceIds("chelsea", "greedy_uncond");
        Assert.All(captions, caption => Assert.Equal(expected, caption.TokenIds));
        Assert.Single(captions.Select(c => c.Text).Distinct());
    }

    [Fact]
    public async Task CaptionAsync_MaxNewTokens_StopsAfterThatManyTokens()
    {
        using var captioner = new ImageCaptioner(fixture.Options());
        await using var stream = TinyModelFixture.OpenImage("astronaut");

        var caption = await captioner.CaptionAsync(stream, new CaptionSettings { MaxNewTokens = 4 });

        Assert.Equal(TinyModelFixture.ReferenceIds("astronaut", "greedy_uncond")[..5], caption.TokenIds);
    }

    [Fact]
    public async Task CaptionAsync_PromptLongerThanMaxLength_ThrowsArgumentExceptionSayingWhatToChange()
    {
        using var captioner = new ImageCaptioner(fixture.Options());
        await using var stream = TinyModelFixture.OpenImage("astronaut");

        var ex = await Assert.ThrowsAnyAsync<ArgumentException>(() => captioner.CaptionAsync(stream, new CaptionSettings { Prompt = "a picture of", MaxLength = 4 }));

        Assert.Contains("Raise MaxLength or set MaxNewTokens", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CaptionAsync_SettingsThatCannotRun_FailBeforeTheImageIsRead()
    {
        using var captioner = new ImageCaptioner(fixture.Options());
        using var notAnImage = new MemoryStream("not an image"u8.ToArray());

        await Assert.ThrowsAnyAsync<ArgumentException>(() => captioner.CaptionAsync(notAnImage, new CaptionSettings { NumBeams = 0 }));

        Assert.Equal(0, notAnImage.Position);
    }

    [Fact]
    public void Constructor_ValidOptions_DoesNotLoadTheModel()
    {
        using var captioner = new ImageCaptioner(new CaptioningOptions { ModelDirectory = Path.Combine(fixture.Root, "does-not-exist") });

        Assert.False(captioner.IsModelLoaded);
    }

    [Fact]
    public async Task CaptionAsync_ModelMissingThenBuilt_FirstCallExplainsHowToMakeOneAndSecondCallLoadsIt()
    {
        string later = Path.Combine(fixture.Root, "later-" + Guid.NewGuid().ToString("N"));
        using var captioner = new ImageCaptioner(new CaptioningOptions { ModelDirectory = later, IntraOpThreads = 1 });
        await using var stream = TinyModelFixture.OpenImage("coffee");

        var ex = await Assert.ThrowsAsync<ModelNotFoundException>(() => captioner.CaptionAsync(stream));
        Assert.Contains("blip model random --preset tiny", ex.Message, StringComparison.Ordinal);

        Directory.Move(fixture.CopyModel(), later);
        stream.Position = 0;
        var caption = await captioner.CaptionAsync(stream);
        Assert.Equal(TinyModelFixture.ReferenceIds("coffee", "greedy_uncond"), caption.TokenIds);
    }

    [Fact]
    public async Task DescribeModelAsync_LoadsTheModelAndReportsSourceAndPrecision()
    {
        using var captioner = new ImageCaptioner(fixture.Options());

        var description = await captioner.DescribeModelAsync();

        Assert.True(captioner.IsModelLoaded);
        Assert.Equal("fp32", description.Precision);
        Assert.Equal(fixture.Manifest.Source, description.Source);
        Assert.Equal(Path.GetFullPath(fixture.ModelDirectory), description.Directory);
    }

    /// <summary>A read-only stream over bytes that cancels a token when the reader reaches the end.</summary>
    private sealed class CancelAtEndStream(byte[] data, CancellationTokenSource cancellation) : Stream
    {
        private readonly MemoryStream _inner = new(data);

        public bool Cancelled { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => _inner.Length;

        public override long Position { get => _inner.Position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int read = _inner.Read(buffer, offset, count);
            if (read == 0 && !Cancelled)
            {
                Cancelled = true;
                cancellation.Cancel();
            }

            return read;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            _inner.Dispose();
            base.Dispose(disposing);
        }
    }
}

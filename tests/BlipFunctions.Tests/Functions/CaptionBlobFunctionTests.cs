using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using BlipFunctions.Testing;
using BlipFunctions.Captioning;
using BlipFunctions.Configuration;
using BlipFunctions.Functions;
using BlipFunctions.Storage;
using BlipFunctions.Tests.Fixtures;

namespace BlipFunctions.Tests.Functions;

[Collection(AzuriteTestGroup.Name)]
public sealed class CaptionBlobFunctionTests(AzuriteFixture azurite, TinyModelFixture model) : IDisposable
{
    private readonly FunctionsAppHost _app = FunctionsAppHost.Create(azurite, model.ModelDirectory);
    private readonly string _folder = "blob-tests-" + Guid.NewGuid().ToString("N")[..8] + "/";

    [Fact]
    public async Task Run_UploadedPhoto_WritesOneSucceededRowWithCaptionModelAndImageFacts()
    {
        BlobClient blob = await UploadAsync("holiday/beach.jpg", TinyModelFixture.Photo("rocket"), "image/jpeg");

        await _app.Function<CaptionBlobFunction>().Run(blob, CancellationToken.None);

        CaptionEntity row = Assert.Single(_app.Rows());
        BlobProperties properties = await blob.GetPropertiesAsync();
        Assert.Equal(CaptionStatus.Succeeded, row.Status);
        Assert.Equal(blob.Name, row.BlobName);
        Assert.False(string.IsNullOrWhiteSpace(row.Caption));
        Assert.StartsWith("30522,", row.TokenIds, StringComparison.Ordinal);
        Assert.Equal(properties.ETag.ToString(), row.BlobETag);
        Assert.Equal(properties.ContentLength, row.BlobBytes);
        Assert.Equal("image/jpeg", row.ContentType);
        Assert.Equal("Jpeg", row.Format, ignoreCase: true);
        Assert.True(row.Width > 0 && row.Height > 0);
        Assert.Equal(TinyModelFixture.Source, row.ModelSource);
        Assert.Contains("\"maxLength\":20", row.Decoding, StringComparison.Ordinal);
        Assert.True(row.TotalMs > 0);
        Assert.Equal(1, row.Attempts);
        Assert.Null(row.LeaseExpiresAt);
    }

    [Fact]
    public async Task Run_UploadedPhoto_TagsTheBlobWithCaptionAndKeywordsAndKeepsItsETag()
    {
        BlobClient blob = await UploadAsync("tagged.png", TinyModelFixture.Photo("chelsea"), "image/png");
        await blob.SetTagsAsync(new Dictionary<string, string> { ["owner"] = "team-a" });
        ETag before = (await blob.GetPropertiesAsync()).Value.ETag;

        await _app.Function<CaptionBlobFunction>().Run(blob, CancellationToken.None);

        IDictionary<string, string> tags = (await blob.GetTagsAsync()).Value.Tags;
        CaptionEntity row = Assert.Single(_app.Rows());
        Assert.True(row.TagsApplied);
        Assert.Equal(CaptionTags.Sanitise(row.Caption!), tags[CaptionTags.CaptionKey]);
        Assert.Equal(row.Keywords, tags[CaptionTags.KeywordsKey]);
        Assert.Equal("team-a", tags["owner"]);
        Assert.Equal(before, (await blob.GetPropertiesAsync()).Value.ETag);
    }

    [Fact]
    public async Task Run_BlobWithNineTagsOfItsOwn_KeepsThemAllAndRecordsWhyOursAreMissing()
    {
        BlobClient blob = await UploadAsync("tagged/nine.png", TestImages.Png(9), "image/png");
        var own = Enumerable.Range(0, 9).ToDictionary(i => $"user{i}", i => $"v{i}");
        await blob.SetTagsAsync(new Dictionary<string, string>(own) { [CaptionTags.CaptionKey] = "stale" });

        await _app.Function<CaptionBlobFunction>().Run(blob, CancellationToken.None);

        CaptionEntity row = Assert.Single(_app.Rows());
        Assert.Equal(CaptionStatus.Succeeded, row.Status);
        Assert.False(row.TagsApplied);
        Assert.Contains("9 index tags of its own", row.TagError, StringComparison.Ordinal);
        Assert.Equal(own, (await blob.GetTagsAsync()).Value.Tags);
    }

    [Fact]
    public async Task Run_EventReplayedAfterTagging_CaptionsOnceAndKeepsOneRow()
    {
        BlobClient blob = await UploadAsync("replayed.png", TinyModelFixture.Photo("coffee"), "image/png");
        var service = _app.Get<BlobCaptioningService>();
        Assert.Equal(CaptionOutcome.Captioned, await service.CaptionBlobAsync(blob, CancellationToken.None));
        CaptionEntity first = Assert.Single(_app.Rows());

        // Tagging left the ETag alone, so the replay (Event Grid redelivery, a second BlobCreated) sees the same version.
        Assert.Equal(CaptionOutcome.AlreadyDone, await service.CaptionBlobAsync(blob, CancellationToken.None));
        await _app.Function<CaptionBlobFunction>().Run(blob, CancellationToken.None);

        CaptionEntity after = Assert.Single(_app.Rows());
        Assert.Equal(first.ETag, after.ETag);
        Assert.Equal(1, after.Attempts);
        Assert.True(after.TagsApplied);
    }

    [Fact]
    public async Task Run_DuplicateEventsAtOnce_CaptionOnceIntoOneRow()
    {
        BlobClient blob = await UploadAsync("duplicates.png", TestImages.Png(1), "image/png");
        var service = _app.Get<BlobCaptioningService>();

        CaptionOutcome[] outcomes = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() => service.CaptionBlobAsync(blob, CancellationToken.None))));

        Assert.Single(outcomes, o => o == CaptionOutcome.Captioned);
        Assert.All(outcomes, o => Assert.Contains(o, new[] { CaptionOutcome.Captioned, CaptionOutcome.AlreadyDone }));
        CaptionEntity row = Assert.Single(_app.Rows());
        Assert.Equal(CaptionStatus.Succeeded, row.Status);
        Assert.Equal(1, row.Attempts);
    }

    [Fact]
    public async Task Run_BlobOverwritten_RowFollowsTheNewVersionAndTheOldEventChangesNothing()
    {
        BlobClient blob = await UploadAsync("overwritten.png", TestImages.Png(2, 40, 30), "image/png");
        var function = _app.Function<CaptionBlobFunction>();
        await function.Run(blob, CancellationToken.None);
        BlobClient newer = await UploadAsync("overwritten.png", TestImages.Png(3, 80, 60), "image/png");
        ETag newerETag = (await newer.GetPropertiesAsync()).Value.ETag;

        await function.Run(newer, CancellationToken.None);
        CaptionEntity afterNewer = Assert.Single(_app.Rows());
        await function.Run(blob, CancellationToken.None); // the first upload's event, delivered late

        CaptionEntity row = Assert.Single(_app.Rows());
        Assert.Equal(newerETag.ToString(), row.BlobETag);
        Assert.Equal((80, 60), (row.Width!.Value, row.Height!.Value));
        Assert.Equal(afterNewer.ETag, row.ETag);
    }

    [Fact]
    public async Task Run_OlderInvocationFinishingAfterANewerOne_DoesNotOverwriteTheNewerResult()
    {
        GatedCaptionerTestDouble? gate = null;
        using var app = FunctionsAppHost.Create(azurite, model.ModelDirectory,
            new Dictionary<string, string?> { ["Captioning:MaxConcurrency"] = "2" },
            CaptionerDoubles.Wrap(inner => gate = new GatedCaptionerTestDouble(inner)));
        var service = app.Get<BlobCaptioningService>();
        BlobClient blob = app.Images.GetBlobClient(_folder + "race.png");
        await blob.UploadAsync(BinaryData.FromBytes(TestImages.Png(4, 40, 30)), overwrite: true);

        Task<CaptionOutcome> older = Task.Run(() => service.CaptionBlobAsync(blob, CancellationToken.None));
        await gate!.FirstCallWaiting.WaitAsync(TimeSpan.FromSeconds(60));
        await blob.UploadAsync(BinaryData.FromBytes(TestImages.Png(5, 96, 64)), overwrite: true);
        ETag newerETag = (await blob.GetPropertiesAsync()).Value.ETag;
        CaptionOutcome newer = await service.CaptionBlobAsync(blob, CancellationToken.None);
        gate.Open();
        CaptionOutcome late = await older.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(CaptionOutcome.Captioned, newer);
        Assert.Equal(CaptionOutcome.AlreadyDone, late);
        CaptionEntity row = Assert.Single(app.Rows());
        Assert.Equal(newerETag.ToString(), row.BlobETag);
        Assert.Equal((96, 64), (row.Width!.Value, row.Height!.Value));
        Assert.Equal(CaptionStatus.Succeeded, row.Status);
        Assert.DoesNotContain(GatedCaptionerTestDouble.HeldMarker, row.Caption, StringComparison.Ordinal);
        // The older invocation tagged the blob after the newer one and then put the newer caption's tags back.
        IDictionary<string, string> tags = (await blob.GetTagsAsync()).Value.Tags;
        Assert.Equal(CaptionTags.Sanitise(row.Caption!), tags[CaptionTags.CaptionKey]);
        Assert.Equal(row.Keywords, tags[CaptionTags.KeywordsKey]);
    }

    [Fact]
    public async Task Run_TransientFailure_RethrowsForTheHostAndTheRetryCaptions()
    {
        using var app = FunctionsAppHost.Create(azurite, model.ModelDirectory, services:
            CaptionerDoubles.Wrap(inner => new TransientFailureCaptionerTestDouble(inner)));
        BlobClient blob = app.Images.GetBlobClient(_folder + "throttled.png");
        await blob.UploadAsync(BinaryData.FromBytes(TestImages.Png(6)), overwrite: true);
        var function = app.Function<CaptionBlobFunction>();

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => function.Run(blob, CancellationToken.None));
        CaptionEntity waiting = Assert.Single(app.Rows());
        await function.Run(blob, CancellationToken.None); // the host's retry

        Assert.Equal(503, error.Status);
        Assert.Equal(CaptionStatus.Processing, waiting.Status);
        Assert.Contains("server is busy", waiting.LastError, StringComparison.OrdinalIgnoreCase);
        Assert.Null(waiting.LeaseExpiresAt);
        CaptionEntity row = Assert.Single(app.Rows());
        Assert.Equal(CaptionStatus.Succeeded, row.Status);
        Assert.Equal(2, row.Attempts);
        Assert.Null(row.LastError);
    }

    [Fact]
    public async Task Run_BlobDeletedBeforeTheInvocation_DoesNothingAndDoesNotThrow()
    {
        BlobClient blob = await UploadAsync("deleted.png", TestImages.Png(7), "image/png");
        await blob.DeleteAsync();

        Assert.Equal(CaptionOutcome.BlobGone, await _app.Get<BlobCaptioningService>().CaptionBlobAsync(blob, CancellationToken.None));
        Assert.Empty(_app.Rows());
    }

    public static TheoryData<string, string> BadInputs() => new()
    {
        { "empty", "empty" },
        { "truncated-png", "" },
        { "truncated-jpeg", "" },
        { "random-bytes", "" },
        { "text", "" },
        { "png-bomb", "pixels" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task Run_NotACaptionableImage_WritesAFailedRowWithAReasonAndDoesNotThrow(string kind, string reasonMentions)
    {
        byte[] png = TestImages.Png(8);
        byte[] jpeg = TestImages.Jpeg(8);
        byte[] bytes = kind switch
        {
            "empty" => [],
            "truncated-png" => png[..(png.Length / 2)],
            "truncated-jpeg" => jpeg[..(jpeg.Length / 2)],
            "random-bytes" => TestImages.RandomBytes(4096, 8),
            "text" => "this is not an image, it is a plain text file\n"u8.ToArray(),
            "png-bomb" => TestImages.PngBomb(),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        BlobClient blob = await UploadAsync(kind + ".png", bytes, "image/png");

        await _app.Function<CaptionBlobFunction>().Run(blob, CancellationToken.None);

        CaptionEntity row = Assert.Single(_app.Rows());
        Assert.Equal(CaptionStatus.Failed, row.Status);
        Assert.False(string.IsNullOrWhiteSpace(row.FailureReason));
        Assert.Contains(reasonMentions, row.FailureReason, StringComparison.OrdinalIgnoreCase);
        Assert.Null(row.Caption);
        Assert.Null(row.LeaseExpiresAt);
        Assert.Equal(CaptionOutcome.AlreadyDone, await _app.Get<BlobCaptioningService>().CaptionBlobAsync(blob, CancellationToken.None));
    }

    [Fact]
    public async Task Run_BlobOverTheByteLimit_WritesAFailedRowNamingTheLimit()
    {
        using var app = FunctionsAppHost.Create(azurite, model.ModelDirectory, new Dictionary<string, string?> { ["Captioning:MaxImageBytes"] = "1000" });
        BlobClient blob = app.Images.GetBlobClient(_folder + "large.png");
        await blob.UploadAsync(BinaryData.FromBytes(TestImages.Png(9, 200, 200)), overwrite: true);

        await app.Function<CaptionBlobFunction>().Run(blob, CancellationToken.None);

        CaptionEntity row = Assert.Single(app.Rows());
        Assert.Equal(CaptionStatus.Failed, row.Status);
        Assert.Contains("Captioning__MaxImageBytes", row.FailureReason, StringComparison.Ordinal);
    }

    public void Dispose() => _app.Dispose();

    private async Task<BlobClient> UploadAsync(string name, byte[] bytes, string contentType)
    {
        BlobClient blob = _app.Get<CaptionStorageClients>().Blobs.GetBlobContainerClient("images").GetBlobClient(_folder + name);
        await blob.UploadAsync(BinaryData.FromBytes(bytes), new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = contentType } });
        return blob;
    }
}

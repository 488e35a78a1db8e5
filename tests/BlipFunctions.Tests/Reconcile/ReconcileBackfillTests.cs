using Azure.Storage.Blobs;
using BlipCaptioning.Testing;
using BlipFunctions.Functions;
using BlipFunctions.Http;
using BlipFunctions.Reconcile;
using BlipFunctions.Storage;
using BlipFunctions.Testing;
using BlipFunctions.Tests.Fixtures;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace BlipFunctions.Tests.Reconcile;

/// <summary>
/// Reconcile on Azurite, through the functions an operator and the host call: a library that existed before the
/// deployment is captioned, rows made by another model or other decoding settings are made again, failures are retried
/// only when asked, rows of deleted blobs go, and a second run finds nothing to do.
/// </summary>
[Collection(AzuriteTestGroup.Name)]
public sealed class ReconcileBackfillTests : IDisposable
{
    private readonly AzuriteFixture _azurite;
    private readonly TinyModelFixture _model;
    private readonly FunctionsAppHost _app;
    private readonly ReconcileDriver _reconcile;
    private readonly string _folder = "reconcile-" + Guid.NewGuid().ToString("N")[..8] + "/";
    private readonly List<IDisposable> _disposables = [];

    public ReconcileBackfillTests(AzuriteFixture azurite, TinyModelFixture model)
    {
        _azurite = azurite;
        _model = model;
        _app = FunctionsAppHost.Create(azurite, model.ModelDirectory, new Dictionary<string, string?> { ["Reconcile:PageSize"] = "25" });
        _reconcile = new ReconcileDriver(_app);
        _reconcile.ClearQueuesAsync().GetAwaiter().GetResult();
    }

    [Fact]
    public async Task Reconcile_LibraryOf200InMixedStates_CaptionsExactlyTheBlobsThatNeedIt()
    {
        // 200 images: 60 captioned by this model, 30 by another model, 20 that are not images (failed), 90 never seen.
        List<BlobClient> blobs = await UploadAsync(200, notImagesFrom: 180);
        await CaptionWithTriggerAsync(_app, blobs[..60]);
        using (FunctionsAppHost other = OtherModelHost())
        {
            await CaptionWithTriggerAsync(other, blobs[60..90]);
        }

        await CaptionWithTriggerAsync(_app, blobs[180..]);
        BlobClient deleted = (await UploadAsync(1, name: "deleted-before-the-subscription.png"))[0];
        await CaptionWithTriggerAsync(_app, [deleted]);
        await deleted.DeleteAsync(); // no BlobDeleted event: its row stays until a reconcile
        Dictionary<string, CaptionEntity> before = RowsByName();
        Assert.Equal(111, before.Count);

        (IActionResult result, ReconcileRunResponse? started) = await _reconcile.StartAsync("prefix=" + Uri.EscapeDataString(_folder));

        Assert.IsType<AcceptedResult>(result);
        Assert.Equal($"/api/reconcile/{started!.Id}", ((AcceptedResult)result).Location);
        int captionRequests = await _reconcile.DrainAsync();
        ReconcileRunResponse run = await _reconcile.GetRunAsync(started.Id);
        Assert.Equal(("completed", 200L, 120L, 80L, 1L), (run.Status, run.Listed, run.Queued, run.UpToDate, run.RowsRemoved));
        Assert.Equal(120, captionRequests);
        Assert.Equal((0, 0), (run.CaptionRequestsWaiting, run.CaptionRequestsPoisoned));

        Dictionary<string, CaptionEntity> after = RowsByName();
        string fingerprint = (await _app.Get<BlipCaptioning.IImageCaptioner>().DescribeModelAsync()).Fingerprint;
        Assert.Equal(200, after.Count);
        Assert.DoesNotContain(deleted.Name, after.Keys);
        Assert.All(blobs[..180], b => Assert.Equal((CaptionStatus.Succeeded, fingerprint, true), (after[b.Name].Status, after[b.Name].ModelFingerprint, after[b.Name].KeywordsIndexed)));
        Assert.All(blobs[..60], b => Assert.Equal(before[b.Name].UpdatedAt, after[b.Name].UpdatedAt)); // left alone
        Assert.All(blobs[180..], b => Assert.Equal((CaptionStatus.Failed, before[b.Name].UpdatedAt), (after[b.Name].Status, after[b.Name].UpdatedAt)));

        (_, ReconcileRunResponse? again) = await _reconcile.StartAsync("prefix=" + Uri.EscapeDataString(_folder));
        Assert.Equal(("completed", 200L, 0L, 200L), (again!.Status, again.Listed, again.Queued, again.UpToDate));
        Assert.Equal(0, await _reconcile.DrainAsync());
    }

    [Fact]
    public async Task Reconcile_WithFailed_CaptionsTheFailedBlobsAgainAndNothingElse()
    {
        List<BlobClient> blobs = await UploadAsync(4, notImagesFrom: 3);
        await CaptionWithTriggerAsync(_app, blobs);
        Dictionary<string, CaptionEntity> before = RowsByName();

        (_, ReconcileRunResponse? run) = await _reconcile.StartAsync($"prefix={Uri.EscapeDataString(_folder)}&failed=true");
        Assert.Equal((1L, 3L), (run!.Queued, run.UpToDate));
        Assert.Equal(1, await _reconcile.DrainAsync());

        Dictionary<string, CaptionEntity> after = RowsByName();
        CaptionEntity retried = after[blobs[3].Name];
        Assert.Equal(CaptionStatus.Failed, retried.Status);
        Assert.True(retried.UpdatedAt > before[blobs[3].Name].UpdatedAt);
        Assert.Equal(1, retried.Attempts);
        Assert.All(blobs[..3], b => Assert.Equal(before[b.Name].UpdatedAt, after[b.Name].UpdatedAt));
    }

    [Fact]
    public async Task Reconcile_WithForce_CaptionsEveryBlobOnceEvenWhenEachRequestIsDeliveredTwice()
    {
        List<BlobClient> blobs = await UploadAsync(5);
        await CaptionWithTriggerAsync(_app, blobs);
        Dictionary<string, CaptionEntity> before = RowsByName();

        (_, ReconcileRunResponse? run) = await _reconcile.StartAsync($"prefix={Uri.EscapeDataString(_folder)}&force=true");
        Assert.Equal(5L, run!.Queued);
        List<string> requests = await QueueTriggerStandIn.PeekAsync(_app.Get<ReconcileQueues>().CaptionRequests);
        Assert.Equal(5, await _reconcile.DrainAsync());
        Dictionary<string, CaptionEntity> once = RowsByName();
        Assert.All(blobs, b => Assert.True(once[b.Name].UpdatedAt > before[b.Name].UpdatedAt));

        foreach (string request in requests) // the queue delivers at least once: the same requests again
        {
            await _app.Function<CaptionQueuedBlobFunction>().Run(request, CancellationToken.None);
        }

        Dictionary<string, CaptionEntity> twice = RowsByName();
        Assert.All(blobs, b => Assert.Equal(once[b.Name].UpdatedAt, twice[b.Name].UpdatedAt));
    }

    [Fact]
    public async Task Reconcile_AfterTheDecodingSettingsChange_CaptionsAgainWithTheNewSettings()
    {
        List<BlobClient> blobs = await UploadAsync(3);
        await CaptionWithTriggerAsync(_app, blobs);
        using FunctionsAppHost beams = FunctionsAppHost.Create(_azurite, _model.ModelDirectory, new Dictionary<string, string?>
        {
            ["Captioning:CaptionsTable"] = _app.TableName,
            ["Captioning:NumBeams"] = "2",
        });
        var reconcile = new ReconcileDriver(beams);

        (_, ReconcileRunResponse? run) = await reconcile.StartAsync("prefix=" + Uri.EscapeDataString(_folder));
        Assert.Equal(3L, run!.Queued);
        Assert.Equal(3, await reconcile.DrainAsync());

        Assert.All(RowsByName().Values, row => Assert.Contains("\"numBeams\":2", row.Decoding, StringComparison.Ordinal));
        // The keyword index follows the new captions: one entry per keyword of each new caption, none left from the old ones.
        Assert.Equal(
            RowsByName().Values.SelectMany(row => row.Keywords!.Split(' ').Distinct().Select(k => (CaptionKeywordIndex.PartitionKeyFor(row.Container, k), row.RowKey)))
                .Order().ToList(),
            _app.KeywordEntries().Order().ToList());
        (_, ReconcileRunResponse? again) = await reconcile.StartAsync("prefix=" + Uri.EscapeDataString(_folder));
        Assert.Equal(0L, again!.Queued);
    }

    [Fact]
    public async Task Reconcile_RowMadeByTheOldModelAfterTheRunStarted_IsStillCaptionedWithTheCurrentModel()
    {
        // Deploy a new model, then reconcile: an instance still running the old model (a deployment's overlap, an
        // invocation that was already under way) can caption a queued blob after the run started.
        List<BlobClient> blobs = await UploadAsync(2);
        (_, ReconcileRunResponse? run) = await _reconcile.StartAsync("prefix=" + Uri.EscapeDataString(_folder));
        Assert.Equal(2L, run!.Queued);
        using (FunctionsAppHost old = OtherModelHost())
        {
            await CaptionWithTriggerAsync(old, blobs);
        }

        Assert.Equal(2, await _reconcile.DrainAsync());

        string fingerprint = (await _app.Get<BlipCaptioning.IImageCaptioner>().DescribeModelAsync()).Fingerprint;
        Assert.All(blobs, b => Assert.Equal((CaptionStatus.Succeeded, fingerprint), (RowsByName()[b.Name].Status, RowsByName()[b.Name].ModelFingerprint)));
    }

    [Fact]
    public async Task CaptionQueuedBlob_DuplicateRequestThatLosesTheClaim_LeavesTheNewCaptionSearchable()
    {
        List<BlobClient> blobs = await UploadAsync(1);
        await CaptionWithTriggerAsync(_app, blobs);
        (_, ReconcileRunResponse? run) = await _reconcile.StartAsync($"prefix={Uri.EscapeDataString(_folder)}&force=true");
        string request = Assert.Single(await QueueTriggerStandIn.PeekAsync(_app.Get<ReconcileQueues>().CaptionRequests));
        DescribeGateCaptionerTestDouble? gate = null;
        using FunctionsAppHost slow = FunctionsAppHost.Create(_azurite, _model.ModelDirectory,
            new Dictionary<string, string?> { ["Captioning:CaptionsTable"] = _app.TableName },
            CaptionerDoubles.Wrap(inner => gate = new DescribeGateCaptionerTestDouble(inner)));
        CaptionQueuedBlobFunction slowFunction = slow.Function<CaptionQueuedBlobFunction>();
        gate!.Arm();

        // The request is delivered twice: the first delivery has read the row and stalls; the second captions the blob.
        Task first = Task.Run(() => slowFunction.Run(request, CancellationToken.None));
        await gate.Waiting.WaitAsync(TimeSpan.FromSeconds(60));
        await _app.Function<CaptionQueuedBlobFunction>().Run(request, CancellationToken.None);
        gate.Open();
        await first.WaitAsync(TimeSpan.FromSeconds(60));

        CaptionEntity row = RowsByName()[blobs[0].Name];
        Assert.True(row.KeywordsIndexed);
        string[] keywords = row.Keywords!.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(keywords.Distinct().Count(), _app.KeywordEntries().Count);
        CaptionPage found = await _app.Get<CaptionStore>().SearchAsync(CaptionBlobFunction.Container, [keywords[0]], _folder, 10, null, CancellationToken.None);
        Assert.Equal(blobs[0].Name, Assert.Single(found.Rows).BlobName);
    }

    [Fact]
    public async Task Reconcile_RowCaptionedBeforeTheKeywordIndex_GetsIndexedWithoutCaptioningAgain()
    {
        List<BlobClient> blobs = await UploadAsync(1);
        await CaptionWithTriggerAsync(_app, blobs);
        CaptionEntity row = RowsByName()[blobs[0].Name];
        await _app.Get<CaptionStore>().Keywords.RemoveAsync(row, CancellationToken.None);
        row.KeywordsIndexed = false; // as rows written before the index existed
        Assert.NotNull(await _app.Get<CaptionStore>().TryReplaceAsync(row, row.ETag, CancellationToken.None));
        DateTimeOffset captionedAt = row.UpdatedAt;

        (_, ReconcileRunResponse? run) = await _reconcile.StartAsync("prefix=" + Uri.EscapeDataString(_folder));
        Assert.Equal(1L, run!.Queued);
        await _reconcile.DrainAsync();

        CaptionEntity indexed = RowsByName()[blobs[0].Name];
        Assert.True(indexed.KeywordsIndexed);
        Assert.Equal(row.Caption, indexed.Caption);
        Assert.Equal(row.Keywords!.Split(' ').Distinct().Count(), _app.KeywordEntries().Count);
        Assert.Equal(captionedAt, indexed.UpdatedAt);
    }

    [Theory]
    [InlineData("failed=maybe")]
    [InlineData("force=1")]
    [InlineData("prefx=holiday/")]
    [InlineData("prefix=a&prefix=b")]
    public async Task StartReconcile_BadFlag_Answers400AndStartsNothing(string query)
    {
        (IActionResult result, _) = await _reconcile.StartAsync(query);

        var problem = Assert.IsType<ObjectResult>(result);
        Assert.Equal(StatusCodes.Status400BadRequest, problem.StatusCode);
        Assert.Empty(await QueueTriggerStandIn.PeekAsync(_app.Get<ReconcileQueues>().Runs));
    }

    [Fact]
    public async Task StartReconcile_PrefixTooLongToList_Answers400()
    {
        (IActionResult result, _) = await _reconcile.StartAsync("prefix=" + new string('a', 2000));

        Assert.Equal(StatusCodes.Status400BadRequest, Assert.IsType<ObjectResult>(result).StatusCode);
    }

    [Theory]
    [InlineData("not-a-run", StatusCodes.Status400BadRequest)]
    [InlineData("20261206-050000-abcdef", StatusCodes.Status404NotFound)]
    public async Task GetReconcile_UnknownOrMalformedId_AnswersWithAProblem(string id, int status)
    {
        Assert.Equal(status, Assert.IsType<ObjectResult>(await _reconcile.GetAsync(id)).StatusCode);
        Assert.Equal(status, Assert.IsType<ObjectResult>(await _reconcile.ResumeAsync(id)).StatusCode);
    }

    public void Dispose()
    {
        foreach (IDisposable disposable in _disposables)
        {
            disposable.Dispose();
        }

        _app.Dispose();
    }

    // The same table, captioned by another model: the tiny model's int8 build (another fingerprint).
    private FunctionsAppHost OtherModelHost()
    {
        string directory = Path.Combine(_model.Root, "tiny-int8");
        lock (typeof(ReconcileBackfillTests))
        {
            if (!File.Exists(Path.Combine(directory, "blip-model.json")))
            {
                TinyModels.BuildRandomTiny(directory, BlipCaptioning.Conversion.Building.ModelPrecision.Int8);
            }
        }

        return FunctionsAppHost.Create(_azurite, directory, new Dictionary<string, string?> { ["Captioning:CaptionsTable"] = _app.TableName });
    }

    private async Task<List<BlobClient>> UploadAsync(int count, int notImagesFrom = int.MaxValue, string? name = null)
    {
        var blobs = new List<BlobClient>(count);
        for (int i = 0; i < count; i++)
        {
            BlobClient blob = _app.Images.GetBlobClient(_folder + (name ?? $"{i:000}.png"));
            byte[] bytes = i >= notImagesFrom ? TestImages.RandomBytes(300, i) : TestImages.Png(1000 + i, 24, 24);
            await blob.UploadAsync(BinaryData.FromBytes(bytes), overwrite: true);
            blobs.Add(blob);
        }

        return blobs;
    }

    private static async Task CaptionWithTriggerAsync(FunctionsAppHost app, IEnumerable<BlobClient> blobs)
    {
        foreach (BlobClient blob in blobs)
        {
            await app.Function<CaptionBlobFunction>().Run(blob, CancellationToken.None);
        }
    }

    private Dictionary<string, CaptionEntity> RowsByName() =>
        _app.Rows().Where(r => r.BlobName.StartsWith(_folder, StringComparison.Ordinal)).ToDictionary(r => r.BlobName);
}

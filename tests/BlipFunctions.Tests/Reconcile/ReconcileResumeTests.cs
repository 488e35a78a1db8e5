using System.Globalization;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using BlipFunctions.Functions;
using BlipFunctions.Http;
using BlipFunctions.Reconcile;
using BlipFunctions.Storage;
using BlipFunctions.Testing;
using BlipFunctions.Tests.Fixtures;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;

namespace BlipFunctions.Tests.Reconcile;

/// <summary>
/// A run goes on page by page across invocations, survives an invocation that dies, is never advanced by two
/// invocations at once, and can be resumed or simply run again; caption requests for blobs deleted meanwhile and
/// hostile queue messages leave no row.
/// </summary>
[Collection(AzuriteTestGroup.Name)]
public sealed class ReconcileResumeTests : IDisposable
{
    private readonly ShiftedTimeProvider _time = new();
    private readonly AzuriteFixture _azurite;
    private readonly TinyModelFixture _model;
    private readonly FunctionsAppHost _app;
    private readonly ReconcileDriver _reconcile;
    private readonly ReconcileRunner _runner;
    private readonly ReconcileRuns _runs;
    private readonly string _folder = "resume-" + Guid.NewGuid().ToString("N")[..8] + "/";

    public ReconcileResumeTests(AzuriteFixture azurite, TinyModelFixture model)
    {
        _azurite = azurite;
        _model = model;
        _app = FunctionsAppHost.Create(azurite, model.ModelDirectory, new Dictionary<string, string?> { ["Reconcile:PageSize"] = "10" },
            services => services.AddSingleton<TimeProvider>(_time));
        _reconcile = new ReconcileDriver(_app);
        _reconcile.ClearQueuesAsync().GetAwaiter().GetResult();
        _runner = _app.Get<ReconcileRunner>();
        _runs = _app.Get<ReconcileRuns>();
    }

    [Fact]
    public async Task Continue_OneInvocationPerPage_ListsTheWholeContainerAcrossInvocations()
    {
        await UploadAsync(35);

        ReconcileRunEntity run = await StartOnePageAsync();
        Assert.Equal((ReconcilePhases.Blobs, 10L, 1), (run.Phase, run.Queued, await WaitingContinuationsAsync()));
        int invocations = 0;
        while ((await _runs.GetAsync(run.RowKey, CancellationToken.None))!.Phase != ReconcilePhases.Done)
        {
            Assert.True(await QueueTriggerStandIn.DeliverOneAsync(_app.Get<ReconcileQueues>().Runs, id => _runner.ContinueAsync(id, TimeSpan.Zero, CancellationToken.None)));
            invocations++;
        }

        ReconcileRunEntity done = (await _runs.GetAsync(run.RowKey, CancellationToken.None))!;
        Assert.Equal((35L, 35L, 0), (done.Listed, done.Queued, await WaitingContinuationsAsync()));
        Assert.Equal(4 + 1, done.Pages); // four pages of blobs, one (empty) page of rows
        Assert.Equal(4, invocations);
        Assert.Equal(35, await _reconcile.DeliverCaptionRequestsAsync());
        Assert.Equal(35, Rows().Count(r => r.Status == CaptionStatus.Succeeded));
    }

    [Fact]
    public async Task Reconcile_InvocationDiesMidRun_IsShownStalledAndResumesFromItsMarker()
    {
        await UploadAsync(30);
        ReconcileRunEntity run = await StartOnePageAsync();
        await _app.Get<ReconcileQueues>().Runs.ClearMessagesAsync(); // its continuation is taken...
        ReconcileRunEntity held = (await _runs.GetAsync(run.RowKey, CancellationToken.None))!;
        held.LeaseExpiresAt = _time.GetUtcNow() + ReconcileRunner.LeaseDuration; // ...by an invocation that dies holding the run
        Assert.True(await _runs.TryReplaceAsync(held, CancellationToken.None));

        Assert.Equal("running", (await _reconcile.GetRunAsync(run.RowKey)).Status);
        _time.Offset = ReconcileRunResponse.StallAfter + TimeSpan.FromMinutes(1);
        ReconcileRunResponse stalled = await _reconcile.GetRunAsync(run.RowKey);
        Assert.Equal("stalled", stalled.Status);
        Assert.Contains($"POST /api/reconcile/{run.RowKey}", stalled.Next, StringComparison.Ordinal);

        var resumed = Assert.IsType<AcceptedResult>(await _reconcile.ResumeAsync(run.RowKey));
        Assert.Equal("completed", Assert.IsType<ReconcileRunResponse>(resumed.Value).Status);
        await _reconcile.DrainAsync();

        ReconcileRunEntity done = (await _runs.GetAsync(run.RowKey, CancellationToken.None))!;
        Assert.Equal((30L, 30L), (done.Listed, done.Queued)); // the first page was not listed again
        Assert.Equal(30, Rows().Count(r => r.Status == CaptionStatus.Succeeded));
    }

    [Fact]
    public async Task Reconcile_InterruptedThenRunAgain_CaptionsWhatTheFirstRunDidNotQueue()
    {
        await UploadAsync(25);
        ReconcileRunEntity interrupted = await StartOnePageAsync();
        await _app.Get<ReconcileQueues>().Runs.ClearMessagesAsync(); // the run is abandoned after its first page
        Assert.Equal(10, await _reconcile.DeliverCaptionRequestsAsync());

        (_, ReconcileRunResponse? again) = await _reconcile.StartAsync("prefix=" + Uri.EscapeDataString(_folder));
        await _reconcile.DrainAsync();

        Assert.Equal((25L, 15L, 10L), (again!.Listed, again.Queued, again.UpToDate));
        Assert.Equal(25, Rows().Count(r => r.Status == CaptionStatus.Succeeded));
        Assert.Equal(ReconcilePhases.Blobs, (await _runs.GetAsync(interrupted.RowKey, CancellationToken.None))!.Phase);
    }

    [Fact]
    public async Task Start_InvocationCancelledWhileListing_StillQueuesTheRunsContinuation()
    {
        await UploadAsync(15);
        using var invocation = new CancellationTokenSource();
        using FunctionsAppHost app = FunctionsAppHost.Create(_azurite, _model.ModelDirectory,
            new Dictionary<string, string?> { ["Captioning:CaptionsTable"] = _app.TableName, ["Reconcile:PageSize"] = "10" },
            CaptionerDoubles.Wrap(inner => new CancellingCaptionerTestDouble(inner, invocation)));

        try
        {
            await app.Get<ReconcileRunner>().StartAsync(CaptionBlobFunction.Container, new ReconcileRequest(_folder, false, false), "http",
                StartReconcileFunction.Budget, invocation.Token);
        }
        catch (OperationCanceledException)
        {
            // The host has cancelled the invocation; what matters is what it left behind.
        }

        Assert.Equal(1, await WaitingContinuationsAsync());
        await _reconcile.DrainAsync();
        ReconcileRunEntity run = Assert.Single(_app.Table.Query<ReconcileRunEntity>(e => e.PartitionKey == ReconcileRuns.PartitionKey));
        Assert.Equal((ReconcilePhases.Done, 15L, 15L), (run.Phase, run.Listed, run.Queued));
        Assert.Equal(15, Rows().Count(r => r.Status == CaptionStatus.Succeeded));
    }

    [Fact]
    public async Task Continue_WhileAnotherInvocationHoldsTheRun_LeavesItAlone()
    {
        await UploadAsync(15);
        ReconcileRunEntity run = await StartOnePageAsync();
        ReconcileRunEntity held = (await _runs.GetAsync(run.RowKey, CancellationToken.None))!;
        held.LeaseExpiresAt = _time.GetUtcNow() + TimeSpan.FromMinutes(1);
        Assert.True(await _runs.TryReplaceAsync(held, CancellationToken.None));

        ReconcileRunEntity? seen = await _runner.ContinueAsync(run.RowKey, TimeSpan.Zero, CancellationToken.None);

        Assert.Equal((1, 10L), (seen!.Pages, seen.Queued));
        Assert.Equal(held.ETag, (await _runs.GetAsync(run.RowKey, CancellationToken.None))!.ETag);
    }

    [Fact]
    public async Task CaptionQueuedBlob_BlobDeletedAfterItWasQueued_LeavesNoRow()
    {
        List<BlobClient> blobs = await UploadAsync(3);
        await StartOnePageAsync();
        await blobs[1].DeleteAsync();

        await _reconcile.DeliverCaptionRequestsAsync();

        Assert.Equal([blobs[0].Name, blobs[2].Name], Rows().Select(r => r.BlobName).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("[1,2,3]")]
    [InlineData("{\"blob\":\"a.png\"}")]
    [InlineData("{\"blob\":\"a\\\\b.png\",\"run\":\"r\",\"requestedAt\":\"2026-12-06T05:00:00Z\",\"failed\":false,\"force\":false}")]
    [InlineData("{\"blob\":{\"blob\":{\"blob\":\"deep\"}},\"run\":\"r\",\"requestedAt\":\"2026-12-06T05:00:00Z\",\"failed\":false,\"force\":false}")]
    public async Task CaptionQueuedBlob_MessageThatIsNotACaptionRequest_IsDroppedWithoutARow(string message)
    {
        await _app.Function<CaptionQueuedBlobFunction>().Run(message, CancellationToken.None);

        Assert.Empty(Rows());
    }

    [Fact]
    public async Task CaptionQueuedBlob_MessageOverItsBudget_IsDroppedWithoutARow()
    {
        string huge = "{\"blob\":\"" + new string('a', CaptionRequestMessage.MaxLength) + "\"}";

        await _app.Function<CaptionQueuedBlobFunction>().Run(huge, CancellationToken.None);

        Assert.Empty(Rows());
    }

    [Fact]
    public async Task CaptionQueuedBlob_InstanceClockBehindTheStartersWithForce_StillCaptionsEachBlobOnce()
    {
        await UploadAsync(3);
        await _reconcile.StartAsync("prefix=" + Uri.EscapeDataString(_folder)); // captions them (no rows yet)
        await _reconcile.DrainAsync();
        (_, ReconcileRunResponse? run) = await _reconcile.StartAsync($"prefix={Uri.EscapeDataString(_folder)}&force=true");
        Assert.Equal(3L, run!.Queued);
        List<string> requests = await QueueTriggerStandIn.PeekAsync(_app.Get<ReconcileQueues>().CaptionRequests);

        // The instance that captions runs a clock a minute behind the one that started the run.
        using FunctionsAppHost behind = FunctionsAppHost.Create(_azurite, _model.ModelDirectory,
            new Dictionary<string, string?> { ["Captioning:CaptionsTable"] = _app.TableName },
            services => services.AddSingleton<TimeProvider>(new ShiftedTimeProvider { Offset = TimeSpan.FromMinutes(-1) }));
        foreach (string request in requests)
        {
            await behind.Function<CaptionQueuedBlobFunction>().Run(request, CancellationToken.None);
        }

        Dictionary<string, DateTimeOffset> once = Rows().ToDictionary(r => r.BlobName, r => r.UpdatedAt);
        Assert.All(Rows(), row => Assert.Equal(run.Id, row.ReconcileRun));
        foreach (string request in requests) // delivered again
        {
            await behind.Function<CaptionQueuedBlobFunction>().Run(request, CancellationToken.None);
        }

        Assert.All(Rows(), row => Assert.Equal(once[row.BlobName], row.UpdatedAt));
    }

    [Theory]
    [InlineData("../{0}/photo.png")]
    [InlineData("holiday/../../{0}/photo.png")]
    [InlineData("./../{0}/photo.png")]
    public async Task CaptionQueuedBlob_NameClimbingOutOfTheImagesContainer_TouchesNoOtherContainer(string template)
    {
        // The storage SDK builds a blob's URL from its name and System.Uri removes "." and ".." segments, so without a
        // check "../private/photo.png" would be captioned, tagged and recorded in the container "private".
        BlobContainerClient other = _azurite.Blobs.GetBlobContainerClient("private-" + Guid.NewGuid().ToString("N")[..8]);
        await other.CreateAsync();
        BlobClient photo = other.GetBlobClient("photo.png");
        await photo.UploadAsync(BinaryData.FromBytes(TestImages.Png(3000, 24, 24)));
        string message = new CaptionRequestMessage(string.Format(CultureInfo.InvariantCulture, template, other.Name), 
            new RecaptionPolicy("20261206-050000-abcdef", _time.GetUtcNow(), IncludeFailed: false, Force: true)).ToJson();

        await _app.Function<CaptionQueuedBlobFunction>().Run(message, CancellationToken.None);

        Assert.Empty((await photo.GetTagsAsync()).Value.Tags);
        Assert.Empty(_app.Table.Query<TableEntity>());
    }

    [Theory]
    [InlineData("")]
    [InlineData("20261206-050000-abcdef")]
    [InlineData("../../etc/passwd")]
    public async Task ContinueReconcile_MessageForNoRun_IsDropped(string message)
    {
        await _app.Function<ContinueReconcileFunction>().Run(message, CancellationToken.None);

        Assert.Empty(await QueueTriggerStandIn.PeekAsync(_app.Get<ReconcileQueues>().CaptionRequests));
    }

    [Theory]
    [InlineData(false, 0)]
    [InlineData(true, 1)]
    public async Task ReconcileTimer_RunsOnlyWhenEnabled(bool enabled, int runsStarted)
    {
        using FunctionsAppHost app = FunctionsAppHost.Create(_azurite, _model.ModelDirectory, new Dictionary<string, string?>
        {
            ["Captioning:CaptionsTable"] = _app.TableName,
            ["Reconcile:TimerEnabled"] = enabled ? "true" : "false",
        });

        await app.Function<ReconcileTimerFunction>().Run(new TimerInfo(), CancellationToken.None);

        Assert.Equal(runsStarted, _app.Table.Query<Azure.Data.Tables.TableEntity>(e => e.PartitionKey == ReconcileRuns.PartitionKey).Count());
    }

    public void Dispose() => _app.Dispose();

    // A run whose request lists a single page (a zero budget), as a large library's first request does.
    private async Task<ReconcileRunEntity> StartOnePageAsync() =>
        await _runner.StartAsync(CaptionBlobFunction.Container, new ReconcileRequest(_folder, false, false), "http", TimeSpan.Zero, CancellationToken.None);

    private async Task<int> WaitingContinuationsAsync() => (await QueueTriggerStandIn.PeekAsync(_app.Get<ReconcileQueues>().Runs)).Count;

    private async Task<List<BlobClient>> UploadAsync(int count)
    {
        var blobs = new List<BlobClient>(count);
        for (int i = 0; i < count; i++)
        {
            BlobClient blob = _app.Images.GetBlobClient(_folder + $"{i:000}.png");
            await blob.UploadAsync(BinaryData.FromBytes(TestImages.Png(2000 + i, 24, 24)), overwrite: true);
            blobs.Add(blob);
        }

        return blobs;
    }

    private List<CaptionEntity> Rows() => [.. _app.Rows().Where(r => r.BlobName.StartsWith(_folder, StringComparison.Ordinal))];
}

using BlipFunctions.Testing;
using System.Text;
using Azure.Storage.Blobs;
using BlipFunctions.Captioning;
using BlipFunctions.Configuration;
using BlipFunctions.Gallery;
using BlipFunctions.Functions;
using BlipFunctions.LocalRelay;
using BlipFunctions.Storage;
using BlipFunctions.Tests.Fixtures;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace BlipFunctions.Tests.Functions;

/// <summary>BlobDeleted events remove the caption row and its keyword entries, whatever order things happen in.</summary>
[Collection(AzuriteTestGroup.Name)]
public sealed class BlobDeletedFunctionTests : IDisposable
{
    private readonly AzuriteFixture _azurite;
    private readonly TinyModelFixture _model;
    private readonly FunctionsAppHost _app;
    private readonly ScriptedCaptionTextTestDouble _captions;
    private readonly string _folder = "delete-tests-" + Guid.NewGuid().ToString("N")[..8] + "/";
    private int _seed = 500;

    public BlobDeletedFunctionTests(AzuriteFixture azurite, TinyModelFixture model)
    {
        _azurite = azurite;
        _model = model;
        _app = FunctionsAppHost.Create(azurite, model.ModelDirectory, services: CaptionerDoubles.Wrap(inner => new ScriptedCaptionTextTestDouble(inner)));
        _captions = _app.Get<ScriptedCaptionTextTestDouble>();
    }

    [Fact]
    public async Task Run_CaptionedBlobDeleted_RemovesItsRowAndItsKeywordEntries()
    {
        BlobClient blob = await CaptionAsync("gone/dog.png", "a dog on the beach");
        BlobClient kept = await CaptionAsync("gone/other.png", "a dog in the snow");
        Assert.Equal(4, _app.KeywordEntries().Count); // dog, beach; dog, snow

        await blob.DeleteAsync();
        await _app.Function<BlobDeletedFunction>().Run(DeletedEvent(blob.Name), CancellationToken.None);

        Assert.Equal([kept.Name], _app.Rows().Select(r => r.BlobName));
        Assert.Equal(2, _app.KeywordEntries().Count);
        Assert.All(_app.KeywordEntries(), e => Assert.Equal(CaptionKeys.RowKeyFor(kept.Name), e.RowKey));
    }

    [Fact]
    public async Task Run_CaptionedBlobWithACachedThumbnailDeleted_RemovesTheThumbnailToo()
    {
        BlobClient blob = await CaptionAsync("gone/thumbnailed.png", "a cat on a sofa");
        var request = new DefaultHttpContext().Request;
        request.Method = HttpMethods.Get;
        Assert.IsType<FileContentResult>(await _app.Function<GetThumbnailFunction>().Run(request, blob.Name, CancellationToken.None));
        BlobClient cached = _app.Get<CaptionStorageClients>().Blobs.GetBlobContainerClient(ThumbnailStore.CacheContainer).GetBlobClient(blob.Name);
        Assert.True(await cached.ExistsAsync());

        await blob.DeleteAsync();
        await _app.Function<BlobDeletedFunction>().Run(DeletedEvent(blob.Name), CancellationToken.None);

        Assert.Empty(_app.Rows());
        Assert.False(await cached.ExistsAsync());
    }

    [Fact]
    public async Task Run_EventAsBase64_IsReadToo()
    {
        BlobClient blob = await CaptionAsync("base64.png", "a red bus");
        await blob.DeleteAsync();

        await _app.Function<BlobDeletedFunction>().Run(Convert.ToBase64String(Encoding.UTF8.GetBytes(DeletedEvent(blob.Name))), CancellationToken.None);

        Assert.Empty(_app.Rows());
        Assert.Empty(_app.KeywordEntries());
    }

    [Fact]
    public async Task Run_BlobUploadedAgainBeforeTheEventArrives_KeepsItsRow()
    {
        BlobClient blob = await CaptionAsync("again.png", "a dog on the beach");
        await blob.DeleteAsync();
        await blob.UploadAsync(BinaryData.FromBytes(TestImages.Png(900)));

        await _app.Function<BlobDeletedFunction>().Run(DeletedEvent(blob.Name), CancellationToken.None);

        Assert.Single(_app.Rows());
        Assert.Equal(2, _app.KeywordEntries().Count);
    }

    [Fact]
    public async Task Run_DeleteHandledBeforeTheLateCreatedEvent_LeavesNoRow()
    {
        BlobClient blob = _app.Images.GetBlobClient(_folder + "early-delete.png");
        await blob.UploadAsync(BinaryData.FromBytes(TestImages.Png(901)));
        await blob.DeleteAsync();

        await _app.Function<BlobDeletedFunction>().Run(DeletedEvent(blob.Name), CancellationToken.None);
        await _app.Function<CaptionBlobFunction>().Run(blob, CancellationToken.None); // BlobCreated, delivered late

        Assert.Empty(_app.Rows());
        Assert.Empty(_app.KeywordEntries());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Run_DeletedWhileBeingCaptioned_LeavesNoRowWhetherOrNotTheEventArrives(bool eventArrives)
    {
        GatedCaptionerTestDouble? gate = null;
        using var app = FunctionsAppHost.Create(_azurite, _model.ModelDirectory,
            new Dictionary<string, string?> { ["Captioning:MaxConcurrency"] = "2" },
            CaptionerDoubles.Wrap(inner => gate = new GatedCaptionerTestDouble(inner)));
        BlobClient blob = app.Images.GetBlobClient(_folder + "racing-delete.png");
        await blob.UploadAsync(BinaryData.FromBytes(TestImages.Png(902)));

        var service = app.Get<BlobCaptioningService>();
        Task<CaptionOutcome> captioning = Task.Run(() => service.CaptionBlobAsync(blob, CancellationToken.None));
        await gate!.FirstCallWaiting.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(CaptionStatus.Processing, Assert.Single(app.Rows()).Status);
        await blob.DeleteAsync();
        if (eventArrives)
        {
            await app.Function<BlobDeletedFunction>().Run(DeletedEvent(blob.Name), CancellationToken.None);
        }

        gate.Open();

        Assert.Equal(CaptionOutcome.BlobGone, await captioning.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Empty(app.Rows());
        Assert.Empty(app.KeywordEntries());
    }

    [Fact]
    public async Task Run_SameNameUploadedAndCaptionedWhileTheDeleteRemovesKeywords_LeavesTheNewCaptionSearchable()
    {
        // The delete read the old row and found no blob; before it removes the old caption's keyword entries, the name
        // is uploaded again and captioned with the same words. The removal must not leave the new caption unsearchable.
        var gate = new FirstKeywordDeleteGate();
        using var app = FunctionsAppHost.Create(_azurite, _model.ModelDirectory, services: services =>
        {
            CaptionerDoubles.Wrap(inner => new ScriptedCaptionTextTestDouble(inner))(services);
            services.AddSingleton(sp =>
            {
                var options = new Azure.Data.Tables.TableClientOptions();
                options.AddPolicy(gate, Azure.Core.HttpPipelinePosition.PerRetry);
                return new Azure.Data.Tables.TableClient(_azurite.ConnectionString, sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<CaptionPipelineOptions>>().Value.CaptionsTable, options);
            });
        });
        var captions = app.Get<ScriptedCaptionTextTestDouble>();
        BlobClient blob = app.Images.GetBlobClient(_folder + "again-at-once.png");
        byte[] first = TestImages.Png(950), second = TestImages.Png(951);
        captions.Say(first, "a dog on the beach");
        captions.Say(second, "a dog on the beach");
        await blob.UploadAsync(BinaryData.FromBytes(first));
        await app.Function<CaptionBlobFunction>().Run(blob, CancellationToken.None);
        await blob.DeleteAsync();

        Task deleting = app.Function<BlobDeletedFunction>().Run(DeletedEvent(blob.Name), CancellationToken.None);
        await gate.Reached.WaitAsync(TimeSpan.FromSeconds(60));
        await blob.UploadAsync(BinaryData.FromBytes(second));
        await app.Function<CaptionBlobFunction>().Run(blob, CancellationToken.None);
        gate.Open();
        await deleting.WaitAsync(TimeSpan.FromSeconds(60));

        CaptionEntity row = Assert.Single(app.Rows());
        Assert.Equal((CaptionStatus.Succeeded, true), (row.Status, row.KeywordsIndexed));
        Assert.Equal(["beach", "dog"], app.KeywordEntries().Select(e => e.PartitionKey.Split('~')[^1]).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json at all")]
    [InlineData("{\"eventType\":\"Microsoft.Storage.BlobCreated\",\"subject\":\"/blobServices/default/containers/images/blobs/x.png\"}")]
    [InlineData("{\"eventType\":\"Microsoft.Storage.BlobDeleted\",\"subject\":\"/blobServices/default/containers/other/blobs/x.png\"}")]
    [InlineData("{\"eventType\":\"Microsoft.Storage.BlobDeleted\",\"subject\":\"/blobServices/default/containers/images/blobs/\"}")]
    [InlineData("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]")]
    public async Task Run_MessageThatIsNotADeletionOfOurs_ChangesNothingAndDoesNotThrow(string message)
    {
        BlobClient blob = await CaptionAsync("x.png", "a dog on the beach");
        await blob.DeleteAsync();

        await _app.Function<BlobDeletedFunction>().Run(message, CancellationToken.None);

        Assert.Single(_app.Rows());
    }

    [Fact]
    public async Task Relay_DeliveredBlobDeleted_QueuesTheEventTheFunctionRemovesTheRowWith()
    {
        var queue = new Azure.Storage.Queues.QueueClient(_azurite.ConnectionString, "deletions-" + Guid.NewGuid().ToString("N")[..8]);
        await queue.CreateAsync();
        var webhook = new BlobWebhookStandIn(_app);
        using var http = new HttpClient(webhook);
        var relay = new BlobEventRelay(_app.Images, http, new Uri("http://localhost:7071/runtime/webhooks/blobs?functionName=Host.Functions.CaptionBlob"),
            TimeProvider.System, _folder, queue);
        BlobClient blob = _app.Images.GetBlobClient(_folder + "a #1.png");
        await blob.UploadAsync(BinaryData.FromBytes(TestImages.Png(903)));
        await relay.PollOnceAsync(CancellationToken.None);
        Assert.Single(_app.Rows());

        await blob.DeleteAsync();
        int events = await relay.PollOnceAsync(CancellationToken.None);
        string message = Assert.Single((await queue.ReceiveMessagesAsync(maxMessages: 10)).Value).MessageText;
        await _app.Function<BlobDeletedFunction>().Run(message, CancellationToken.None);

        Assert.Equal(1, events);
        Assert.True(BlobDeletedEvent.TryParse(message, out BlobDeletedEvent? parsed, out _));
        Assert.Equal(new BlobDeletedEvent("images", blob.Name), parsed);
        Assert.Empty(_app.Rows());
        Assert.Equal(0, await relay.PollOnceAsync(CancellationToken.None));
    }

    public void Dispose() => _app.Dispose();

    private static string DeletedEvent(string name) =>
        BlobDeletedEvents.ToJson(new BlobContainerClient("UseDevelopmentStorage=true", "images"), name, DateTimeOffset.UtcNow);

    private async Task<BlobClient> CaptionAsync(string name, string caption)
    {
        byte[] image = TestImages.Png(Interlocked.Increment(ref _seed));
        _captions.Say(image, caption);
        BlobClient blob = _app.Images.GetBlobClient(_folder + name);
        await blob.UploadAsync(BinaryData.FromBytes(image), overwrite: true);
        await _app.Function<CaptionBlobFunction>().Run(blob, CancellationToken.None);
        return blob;
    }
}

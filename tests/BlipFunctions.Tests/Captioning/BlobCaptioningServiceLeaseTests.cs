using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using BlipFunctions.Testing;
using BlipFunctions.Captioning;
using BlipFunctions.Storage;
using BlipFunctions.Tests.Fixtures;

namespace BlipFunctions.Tests.Captioning;

/// <summary>What a duplicate invocation does while another one holds the blob's row (its lease).</summary>
[Collection(AzuriteTestGroup.Name)]
public sealed class BlobCaptioningServiceLeaseTests(AzuriteFixture azurite, TinyModelFixture model)
{
    private readonly string _folder = "lease-tests-" + Guid.NewGuid().ToString("N")[..8] + "/";

    [Fact]
    public async Task CaptionBlobAsync_DuplicateWhileAnotherInvocationCaptions_WaitsForItsResult()
    {
        GatedCaptionerTestDouble? gate = null;
        using var app = FunctionsAppHost.Create(azurite, model.ModelDirectory,
            new Dictionary<string, string?> { ["Captioning:MaxConcurrency"] = "2" },
            CaptionerDoubles.Wrap(inner => gate = new GatedCaptionerTestDouble(inner)));
        var service = app.Get<BlobCaptioningService>();
        BlobClient blob = await UploadAsync(app, "duplicate.png");

        Task<CaptionOutcome> first = Task.Run(() => service.CaptionBlobAsync(blob, CancellationToken.None));
        await gate!.FirstCallWaiting.WaitAsync(TimeSpan.FromSeconds(60));
        Task<CaptionOutcome> duplicate = Task.Run(() => service.CaptionBlobAsync(blob, CancellationToken.None));
        await Task.Delay(1500);
        bool duplicateWaited = !duplicate.IsCompleted;
        gate.Open();

        Assert.True(duplicateWaited);
        Assert.Equal(CaptionOutcome.Captioned, await first.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal(CaptionOutcome.AlreadyDone, await duplicate.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal(1, gate.Calls);
        Assert.Equal(1, Assert.Single(app.Rows()).Attempts);
    }

    [Fact]
    public async Task CaptionBlobAsync_HolderDiedAndItsLeaseExpired_TakesOverAndCaptions()
    {
        using var app = FunctionsAppHost.Create(azurite, model.ModelDirectory);
        BlobClient blob = await UploadAsync(app, "orphaned.png");
        await app.Get<CaptionStore>().TryAddAsync(ProcessingRow(blob, await blob.GetPropertiesAsync(), DateTimeOffset.UtcNow.AddMinutes(-1)), CancellationToken.None);

        CaptionOutcome outcome = await app.Get<BlobCaptioningService>().CaptionBlobAsync(blob, CancellationToken.None);

        Assert.Equal(CaptionOutcome.Captioned, outcome);
        CaptionEntity row = Assert.Single(app.Rows());
        Assert.Equal(CaptionStatus.Succeeded, row.Status);
        Assert.Equal(2, row.Attempts);
    }

    [Fact]
    public async Task CaptionBlobAsync_HolderStillBusyAfterTheWait_ThrowsSoTheHostRetriesLater()
    {
        using var app = FunctionsAppHost.Create(azurite, model.ModelDirectory, new Dictionary<string, string?> { ["Captioning:LeaseWait"] = "00:00:01" });
        BlobClient blob = await UploadAsync(app, "held.png");
        await app.Get<CaptionStore>().TryAddAsync(ProcessingRow(blob, await blob.GetPropertiesAsync(), DateTimeOffset.UtcNow.AddMinutes(5)), CancellationToken.None);

        var error = await Assert.ThrowsAsync<CaptionRowContentionException>(() => app.Get<BlobCaptioningService>().CaptionBlobAsync(blob, CancellationToken.None));

        Assert.Contains("host will retry", error.Message, StringComparison.Ordinal);
        Assert.Equal(CaptionStatus.Processing, Assert.Single(app.Rows()).Status);
    }

    private async Task<BlobClient> UploadAsync(FunctionsAppHost app, string name)
    {
        BlobClient blob = app.Images.GetBlobClient(_folder + name);
        await blob.UploadAsync(BinaryData.FromBytes(TestImages.Png(name.Length)), overwrite: true);
        return blob;
    }

    // The row an invocation writes when it starts captioning, as if written by one that is elsewhere (or dead).
    private static CaptionEntity ProcessingRow(BlobClient blob, BlobProperties properties, DateTimeOffset leaseExpiresAt) => new()
    {
        PartitionKey = CaptionKeys.PartitionKeyFor(blob.BlobContainerName),
        RowKey = CaptionKeys.RowKeyFor(blob.Name),
        Container = blob.BlobContainerName,
        BlobName = blob.Name,
        Status = CaptionStatus.Processing,
        BlobETag = properties.ETag.ToString(),
        BlobLastModified = properties.LastModified,
        BlobBytes = properties.ContentLength,
        LeaseExpiresAt = leaseExpiresAt,
        Attempts = 1,
        CreatedAt = DateTimeOffset.UtcNow,
        UpdatedAt = DateTimeOffset.UtcNow,
    };
}

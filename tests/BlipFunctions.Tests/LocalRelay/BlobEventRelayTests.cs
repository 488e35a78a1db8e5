using Azure.Storage.Blobs;
using BlipFunctions.Testing;
using BlipFunctions.LocalRelay;
using BlipFunctions.Storage;
using BlipFunctions.Tests.Fixtures;

namespace BlipFunctions.Tests.LocalRelay;

[Collection(AzuriteTestGroup.Name)]
public sealed class BlobEventRelayTests(AzuriteFixture azurite, TinyModelFixture model)
{
    private static readonly string[] s_names = ["beach.jpg", "hash #1.png", "what?.png", "100%.png", "a+b c.png", "ünï/😀.png"];
    private static readonly Uri s_webhook = new("http://localhost:7071/runtime/webhooks/blobs?functionName=Host.Functions.CaptionBlob");

    [Fact]
    public async Task PollOnceAsync_UploadsToAzurite_DeliverEventsThatGetEveryBlobCaptioned()
    {
        using var app = FunctionsAppHost.Create(azurite, model.ModelDirectory);
        string folder = "relay-" + Guid.NewGuid().ToString("N")[..8] + "/";
        string[] names = [.. s_names.Select(n => folder + n)];
        foreach ((string name, int i) in names.Select((n, i) => (n, i)))
        {
            await app.Images.GetBlobClient(name).UploadAsync(BinaryData.FromBytes(TestImages.Png(2000 + i)));
        }

        var webhook = new BlobWebhookStandIn(app);
        using var http = new HttpClient(webhook);
        var relay = new BlobEventRelay(app.Images, http, s_webhook, TimeProvider.System, folder);

        int first = await relay.PollOnceAsync(CancellationToken.None);
        int second = await relay.PollOnceAsync(CancellationToken.None);

        Assert.Equal(names.Length, first);
        Assert.Equal(0, second);
        Assert.Equal(names.Order(StringComparer.Ordinal), webhook.Received.Select(r => r.BlobName).Order(StringComparer.Ordinal));
        Assert.All(webhook.Received, r => Assert.Equal("images", r.Container));
        List<CaptionEntity> rows = app.Rows();
        Assert.Equal(names.Order(StringComparer.Ordinal), rows.Select(r => r.BlobName).Order(StringComparer.Ordinal));
        Assert.All(rows, r => Assert.Equal(CaptionStatus.Succeeded, r.Status));
    }

    [Fact]
    public async Task PollOnceAsync_BlobOverwritten_DeliversTheNewVersionOnce()
    {
        using var app = FunctionsAppHost.Create(azurite, model.ModelDirectory);
        string name = "relay-" + Guid.NewGuid().ToString("N")[..8] + "/again.png";
        BlobClient blob = app.Images.GetBlobClient(name);
        await blob.UploadAsync(BinaryData.FromBytes(TestImages.Png(3000, 30, 20)));
        var webhook = new BlobWebhookStandIn(app);
        using var http = new HttpClient(webhook);
        var relay = new BlobEventRelay(app.Images, http, s_webhook, TimeProvider.System, name);
        await relay.PollOnceAsync(CancellationToken.None);

        await blob.UploadAsync(BinaryData.FromBytes(TestImages.Png(3001, 60, 40)), overwrite: true);
        int delivered = await relay.PollOnceAsync(CancellationToken.None);

        Assert.Equal(1, delivered);
        CaptionEntity row = Assert.Single(app.Rows());
        Assert.Equal((await blob.GetPropertiesAsync()).Value.ETag.ToString(), row.BlobETag);
        Assert.Equal(60, row.Width);
        Assert.Equal(webhook.Received[^1].ETag, row.BlobETag.Trim('"')); // Event Grid sends ETags unquoted
    }
}

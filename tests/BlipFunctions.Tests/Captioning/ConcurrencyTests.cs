using System.Diagnostics;
using System.Globalization;
using Azure.Storage.Blobs;
using BlipFunctions.Testing;
using BlipFunctions.Captioning;
using BlipFunctions.Storage;
using BlipFunctions.Tests.Fixtures;
using Xunit.Abstractions;

namespace BlipFunctions.Tests.Captioning;

[Collection(AzuriteTestGroup.Name)]
public sealed class ConcurrencyTests(AzuriteFixture azurite, TinyModelFixture model, ITestOutputHelper output)
{
    private const int Images = 50;

    [Fact]
    public async Task CaptionBlobAsync_FiftyUploadsAtOnceEachDeliveredTwice_CaptionsEveryImageExactlyOnce()
    {
        using var app = FunctionsAppHost.Create(azurite, model.ModelDirectory, new Dictionary<string, string?> { ["Captioning:MaxConcurrency"] = "2" });
        var service = app.Get<BlobCaptioningService>();
        string folder = "burst-" + Guid.NewGuid().ToString("N")[..8] + "/";
        BlobClient[] blobs = [.. Enumerable.Range(0, Images).Select(i => app.Images.GetBlobClient($"{folder}image-{i:00}.png"))];
        await Task.WhenAll(blobs.Select((blob, i) => blob.UploadAsync(BinaryData.FromBytes(TestImages.Png(1000 + i, 64, 48)))));

        var clock = Stopwatch.StartNew();
        // Event Grid delivers at least once: every upload's event arrives twice, all at the same time.
        CaptionOutcome[] outcomes = await Task.WhenAll(blobs.Concat(blobs).Select(blob => Task.Run(() => service.CaptionBlobAsync(blob, CancellationToken.None))));
        clock.Stop();

        List<CaptionEntity> rows = app.Rows();
        Assert.Equal(Images, rows.Count);
        Assert.All(rows, row => Assert.Equal(CaptionStatus.Succeeded, row.Status));
        Assert.All(rows, row => Assert.Equal(1, row.Attempts));
        Assert.Equal(Images, outcomes.Count(o => o == CaptionOutcome.Captioned));
        Assert.All(outcomes, o => Assert.Contains(o, new[] { CaptionOutcome.Captioned, CaptionOutcome.AlreadyDone }));
        Assert.Equal(blobs.Select(b => b.Name).Order(StringComparer.Ordinal), rows.Select(r => r.BlobName).Order(StringComparer.Ordinal));

        double[] perImage = [.. rows.Select(r => r.TotalMs!.Value).Order()];
        double median = (perImage[(Images - 1) / 2] + perImage[Images / 2]) / 2;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{Images} images captioned once each ({outcomes.Length} deliveries) in {clock.Elapsed.TotalSeconds:0.00} s wall-clock with MaxConcurrency 2; " +
            $"median caption time per image {median:0.0} ms (model stages), wall-clock per image {clock.Elapsed.TotalMilliseconds / Images:0.0} ms"));
    }
}

using Azure.Storage.Queues;
using BlipCaptioning;
using BlipFunctions.Captioning;
using BlipFunctions.Functions;
using BlipFunctions.Health;
using BlipFunctions.Testing;
using BlipFunctions.Tests.Fixtures;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace BlipFunctions.Tests.Functions;

[Collection(AzuriteTestGroup.Name)]
public sealed class HealthFunctionTests(AzuriteFixture azurite, TinyModelFixture model)
{
    [Fact]
    public async Task Run_FreshWorker_Answers200ModelProvisionedButNotLoadedAndStorageReachable()
    {
        using var app = FunctionsAppHost.Create(azurite, model.ModelDirectory);

        var (status, report) = await HealthAsync(app);

        Assert.Equal(StatusCodes.Status200OK, status);
        Assert.Equal("healthy", report.Status);
        Assert.True(report.Model.Provisioned);
        Assert.False(report.Model.Loaded);
        Assert.Equal(TinyModelFixture.Source, report.Model.Source);
        Assert.Equal("fp32", report.Model.Precision);
        Assert.Null(report.Model.LoadTimeMs);
        Assert.True(report.Storage.Blobs.Reachable, report.Storage.Blobs.Detail);
        Assert.True(report.Storage.Tables.Reachable, report.Storage.Tables.Detail);
        Assert.True(report.Storage.Queues.Reachable, report.Storage.Queues.Detail);
        Assert.False(string.IsNullOrWhiteSpace(report.Version));
        Assert.False(app.Get<ImageCaptioner>().IsModelLoaded, "The health answer must never load the model.");
    }

    [Fact]
    public async Task Run_AfterACaption_ReportsTheLoadedModelAndItsLoadTime()
    {
        using var app = FunctionsAppHost.Create(azurite, model.ModelDirectory);
        var blob = app.Images.GetBlobClient("health-" + Guid.NewGuid().ToString("N")[..8] + ".png");
        await blob.UploadAsync(BinaryData.FromBytes(TestImages.Png(21)));
        await app.Get<BlobCaptioningService>().CaptionBlobAsync(blob, CancellationToken.None);

        var (status, report) = await HealthAsync(app);

        Assert.Equal(StatusCodes.Status200OK, status);
        Assert.True(report.Model.Loaded);
        Assert.Equal(TinyModelFixture.Source, report.Model.Source);
        Assert.True(report.Model.LoadTimeMs > 0);
        Assert.NotNull(report.Model.LoadedAt);
    }

    [Fact]
    public async Task Run_ModelFolderRemovedAndNoModelBlobFolder_Answers503NamingTheProblem()
    {
        // Start-up refuses a missing model without Captioning__ModelBlobUri; this is the folder going away afterwards.
        string folder = Path.Combine(model.Root, "removed-" + Guid.NewGuid().ToString("N"));
        CopyModelTo(folder);

        using var app = FunctionsAppHost.Create(azurite, folder);
        var (before, _) = await HealthAsync(app);
        Directory.Delete(folder, recursive: true);

        var (status, report) = await HealthAsync(app);

        Assert.Equal(StatusCodes.Status200OK, before);

        Assert.Equal(StatusCodes.Status503ServiceUnavailable, status);
        Assert.Equal("unhealthy", report.Status);
        Assert.False(report.Model.Provisioned);
        Assert.Contains("Captioning__ModelBlobUri", report.Model.Problem, StringComparison.Ordinal);
        Assert.True(report.Storage.Blobs.Reachable, report.Storage.Blobs.Detail);
    }

    [Fact]
    public async Task Run_StorageThatDoesNotAnswer_Answers503WithEveryServiceUnreachable()
    {
        string nowhere = ClosedPort.Refusing(azurite.ConnectionString, "BlobEndpoint", "QueueEndpoint", "TableEndpoint");
        using var unreachable = FunctionsAppHost.Create(azurite, model.ModelDirectory, new Dictionary<string, string?> { ["CaptionStorage"] = nowhere });

        var (status, report) = await HealthAsync(unreachable);

        Assert.Equal(StatusCodes.Status503ServiceUnavailable, status);
        Assert.False(report.Storage.Blobs.Reachable);
        Assert.False(report.Storage.Tables.Reachable);
        Assert.False(report.Storage.Queues.Reachable);
        Assert.True(report.Model.Provisioned);
    }

    [Fact]
    public async Task Run_PoisonedBlobs_ReportsThePoisonQueueCount()
    {
        using var app = FunctionsAppHost.Create(azurite, model.ModelDirectory);
        var poison = new QueueServiceClient(azurite.ConnectionString).GetQueueClient(HealthProbe.PoisonQueueName);
        await poison.CreateIfNotExistsAsync();
        try
        {
            await poison.SendMessageAsync("{\"BlobName\":\"a.jpg\"}");
            await poison.SendMessageAsync("{\"BlobName\":\"b.jpg\"}");

            var (status, report) = await HealthAsync(app);

            Assert.Equal(StatusCodes.Status200OK, status);
            Assert.Equal(2, report.Storage.Queues.PoisonMessages);
        }
        finally
        {
            await poison.DeleteIfExistsAsync();
        }
    }

    [Fact]
    public async Task Run_ModelFolderRemovedBeforeTheSettingsWereFirstRead_Answers503WithTheSettingsProblem()
    {
        string folder = Path.Combine(model.Root, "removed-early-" + Guid.NewGuid().ToString("N"));
        CopyModelTo(folder);

        using var app = FunctionsAppHost.Create(azurite, folder);
        Directory.Delete(folder, recursive: true);

        var (status, report) = await HealthAsync(app);

        Assert.Equal(StatusCodes.Status503ServiceUnavailable, status);
        Assert.Contains("Captioning__ModelBlobUri", report.Model.Problem, StringComparison.Ordinal);
        Assert.False(report.Storage.Blobs.Reachable);
    }

    [Theory]
    [InlineData("Salesforce/blip-image-captioning-base@82a37760796d32b1411fe092ab5d4e227313294b", "82a37760796d32b1411fe092ab5d4e227313294b")]
    [InlineData("random:tiny:seed=42", null)]
    [InlineData("/models/local-folder", null)]
    [InlineData("owner/name@", null)]
    public void RevisionOf_Source_IsWhatFollowsTheAt(string source, string? revision)
    {
        Assert.Equal(revision, HealthProbe.RevisionOf(source));
    }

    private static async Task<(int Status, HealthReport Report)> HealthAsync(FunctionsAppHost app)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = HttpMethods.Get;
        context.Request.Path = "/api/health";
        var result = Assert.IsType<ObjectResult>(await app.Function<HealthFunction>().Run(context.Request, CancellationToken.None));
        Assert.Equal("no-store", context.Response.Headers.CacheControl.ToString());
        return (result.StatusCode!.Value, Assert.IsType<HealthReport>(result.Value));
    }

    private void CopyModelTo(string folder)
    {
        Directory.CreateDirectory(folder);
        foreach (string file in Directory.EnumerateFiles(model.ModelDirectory))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }
    }
}

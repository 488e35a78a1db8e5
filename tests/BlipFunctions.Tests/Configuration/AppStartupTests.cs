using System.Text.Json;
using BlipCaptioning;
using BlipCaptioning.Testing;
using BlipFunctions.Testing;
using BlipFunctions.Functions;
using BlipFunctions.Tests.Fixtures;
using Microsoft.Extensions.Options;

namespace BlipFunctions.Tests.Configuration;

[Collection(AzuriteTestGroup.Name)]
public sealed class AppStartupTests(AzuriteFixture azurite, TinyModelFixture model)
{
    [Fact]
    public void Create_LocalSettings_ResolvesEveryFunctionWithoutLoadingTheModel()
    {
        using var app = FunctionsAppHost.Create(azurite, model.ModelDirectory);

        Assert.NotNull(app.Function<CaptionBlobFunction>());
        Assert.NotNull(app.Function<GetCaptionFunction>());
        Assert.NotNull(app.Function<ListCaptionsFunction>());
        Assert.NotNull(app.Function<CaptionImageFunction>());
        Assert.False(app.Get<ImageCaptioner>().IsModelLoaded);
    }

    [Fact]
    public void Create_BadSettings_FailsAtStartWithMessagesNamingEachSetting()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Captioning:CaptionsTable"] = "1-bad",
            ["Captioning:MaxConcurrency"] = "0",
            ["Captioning:MaxImageBytes"] = "-5",
            ["Captioning:MaxAttempts"] = "0",
            ["Captioning:ImageDecodeTimeout"] = "00:00:00",
        };

        // The library's and the app's validators both fail, so the host reports them together.
        var error = Assert.Throws<AggregateException>(() => FunctionsAppHost.Create(azurite, model.ModelDirectory, settings));

        Assert.All(error.InnerExceptions, e => Assert.IsType<OptionsValidationException>(e));
        foreach (string name in new[] { "Captioning__CaptionsTable", "Captioning:MaxConcurrency", "Captioning:MaxImageBytes", "Captioning__MaxAttempts", "Captioning:ImageDecodeTimeout" })
        {
            Assert.Contains(name, error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Create_ModelDirectoryWithoutAModel_FailsAtStartSayingHowToMakeOne()
    {
        string empty = Path.Combine(model.Root, "no-model-here");

        var error = Assert.Throws<OptionsValidationException>(() => FunctionsAppHost.Create(azurite, empty));

        Assert.Contains("blip-model.json", error.Message, StringComparison.Ordinal);
        Assert.Contains("blip model fetch", error.Message, StringComparison.Ordinal);
        Assert.Contains("Captioning__ModelBlobUri", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_NoCaptionStorageConnection_FailsAtStartSayingWhatToSet()
    {
        var settings = new Dictionary<string, string?> { ["CaptionStorage"] = null };

        var error = Assert.Throws<OptionsValidationException>(() => FunctionsAppHost.Create(azurite, model.ModelDirectory, settings));

        Assert.Contains("CaptionStorage__blobServiceUri", error.Message, StringComparison.Ordinal);
        Assert.Contains("UseDevelopmentStorage=true", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_IdentityBasedConnection_StartsWithoutAConnectionString()
    {
        var settings = new Dictionary<string, string?>
        {
            ["CaptionStorage"] = null,
            ["CaptionStorage:blobServiceUri"] = "https://example.blob.core.windows.net",
            ["CaptionStorage:queueServiceUri"] = "https://example.queue.core.windows.net",
            ["CaptionStorage:tableServiceUri"] = "https://example.table.core.windows.net",
            ["CaptionStorage:credential"] = "managedidentity",
            ["CaptionStorage:clientId"] = "00000000-0000-0000-0000-000000000001",
        };

        using var app = FunctionsAppHost.Create(azurite, model.ModelDirectory, settings);

        var clients = app.Get<BlipFunctions.Configuration.CaptionStorageClients>();
        Assert.Equal("example", clients.Blobs.AccountName);
        Assert.IsType<Azure.Identity.ManagedIdentityCredential>(clients.Credential);
    }

    [Fact]
    public void Create_IdentityBasedConnectionWithoutAQueueEndpoint_FailsAtStartSayingWhatToSet()
    {
        // The deletions and reconcile queues (and the blob trigger's poison queue) live on the CaptionStorage account.
        var settings = new Dictionary<string, string?>
        {
            ["CaptionStorage"] = null,
            ["CaptionStorage:blobServiceUri"] = "https://example.blob.core.windows.net",
            ["CaptionStorage:tableServiceUri"] = "https://example.table.core.windows.net",
            ["CaptionStorage:credential"] = "managedidentity",
        };

        var error = Assert.Throws<OptionsValidationException>(() => FunctionsAppHost.Create(azurite, model.ModelDirectory, settings));

        Assert.Contains("CaptionStorage__queueServiceUri", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Reconcile:PageSize", "0", "Reconcile__PageSize is 0; set it from 1 to 1000")]
    [InlineData("Reconcile:PageSize", "1001", "Reconcile__PageSize is 1001")]
    [InlineData("Reconcile:Parallelism", "0", "Reconcile__Parallelism is 0; set it from 1 to 64")]
    public void Create_ReconcileSettingOutOfRange_FailsAtStartNamingIt(string key, string value, string expected)
    {
        var error = Assert.Throws<OptionsValidationException>(() =>
            FunctionsAppHost.Create(azurite, model.ModelDirectory, new Dictionary<string, string?> { [key] = value }));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LocalSettingsSample_HasEveryAgreedSetting()
    {
        using JsonDocument sample = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "local.settings.sample.json")));
        JsonElement values = sample.RootElement.GetProperty("Values");

        foreach (string name in new[]
                 {
                     "FUNCTIONS_WORKER_RUNTIME", "AzureWebJobsStorage", "CaptionStorage",
                     "Captioning__CaptionsTable", "Captioning__ModelDirectory", "Captioning__MaxConcurrency",
                     "Captioning__MaxImageBytes", "Captioning__MaxImagePixels",
                 })
        {
            Assert.True(values.TryGetProperty(name, out _), name);
        }

        Assert.Equal("dotnet-isolated", values.GetProperty("FUNCTIONS_WORKER_RUNTIME").GetString());
    }
}

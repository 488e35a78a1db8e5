using System.Net;
using System.Net.Http.Headers;
using System.Reflection;
using System.Text.Json;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using BlipCaptioning.Testing;
using BlipFunctions.Testing;
using BlipFunctions.HostTests.Fixtures;
using BlipFunctions.LocalRelay;
using BlipFunctions.Storage;
using BlipFunctions.Tests.Fixtures;
using Microsoft.Azure.WebJobs;

namespace BlipFunctions.HostTests.BlobWebhook;

/// <summary>
/// "Every uploaded blob ends with a row", on the host's delivery path: our local relay posts exactly what it posts
/// to a running host, to the real host-side blob extension (webhook, internal queue, retries, poison queue) on a
/// WebJobs SDK host, which invokes our function class through the thin bridge <see cref="Host.Functions"/>.
/// </summary>
[Collection(AzuriteTestGroup.Name)]
public sealed class BlobWebhookTests(AzuriteFixture azurite, TinyModelFixture model)
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(90);
    private static readonly string[] s_specialNames = ["with space.jpg", "hash #1.jpg", "percent 100%.png", "question?.png", "plus+sign.png", "ünïcödé/日本語/😀 emoji.jpg"];

    [Fact]
    public void Bridge_TriggerAttribute_IsTheBuiltMetadatasTrigger()
    {
        JsonElement binding = BuiltApp.Functions().Single(f => f.GetProperty("name").GetString() == "CaptionBlob")
            .GetProperty("bindings").EnumerateArray().Single(b => b.GetProperty("type").GetString() == "blobTrigger");
        ParameterInfo parameter = typeof(Host.Functions).GetMethod(nameof(Host.Functions.CaptionBlob))!.GetParameters()[0];
        BlobTriggerAttribute trigger = parameter.GetCustomAttribute<BlobTriggerAttribute>()!;

        Assert.Equal(binding.GetProperty("path").GetString(), trigger.BlobPath);
        Assert.Equal(binding.GetProperty("source").GetString(), trigger.Source.ToString());
        Assert.Equal(binding.GetProperty("connection").GetString(), trigger.Connection);
        Assert.Equal("CaptionBlob", typeof(Host.Functions).GetMethod(nameof(Host.Functions.CaptionBlob))!.GetCustomAttribute<FunctionNameAttribute>()!.Name);
    }

    [Fact]
    public async Task Webhook_SubscriptionValidation_AnswersEventGridsValidationCode()
    {
        using var app = FunctionsAppHost.Create(azurite, model.ModelDirectory);
        await using BlobExtensionHost host = await BlobExtensionHost.StartAsync(azurite, app);
        using var http = new HttpClient();
        string code = Guid.NewGuid().ToString();
        using var request = new HttpRequestMessage(HttpMethod.Post, host.WebhookFor("CaptionBlob"))
        {
            Content = new StringContent(
                $$"""[{"id":"{{Guid.NewGuid()}}","topic":"/subscriptions/x/resourceGroups/x/providers/Microsoft.Storage/storageAccounts/x","subject":"","data":{"validationCode":"{{code}}"},"eventType":"Microsoft.EventGrid.SubscriptionValidationEvent","eventTime":"2026-01-01T00:00:00Z","metadataVersion":"1","dataVersion":"2"}]""",
                new MediaTypeHeaderValue("application/json")),
        };
        request.Headers.Add("aeg-event-type", "SubscriptionValidation");

        using HttpResponseMessage response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(code, body.RootElement.GetProperty("validationResponse").GetString());
    }

    [Fact]
    public async Task Webhook_EventWithoutTheEventGridHeader_IsRefused()
    {
        using var app = FunctionsAppHost.Create(azurite, model.ModelDirectory);
        await using BlobExtensionHost host = await BlobExtensionHost.StartAsync(azurite, app);
        using var http = new HttpClient();

        using HttpResponseMessage response = await http.PostAsync(host.WebhookFor("CaptionBlob"), new StringContent("[]", new MediaTypeHeaderValue("application/json")));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Relay_BlobsWithSpacesHashPercentAndUnicode_EachEndsWithASucceededRowThroughTheExtensionsQueue()
    {
        using var app = FunctionsAppHost.Create(azurite, model.ModelDirectory);
        await using BlobExtensionHost host = await BlobExtensionHost.StartAsync(azurite, app);
        string folder = "host-" + Guid.NewGuid().ToString("N")[..8] + "/";
        string[] names = [.. s_specialNames.Select(n => folder + n)];
        for (int i = 0; i < names.Length; i++)
        {
            await app.Images.GetBlobClient(names[i]).UploadAsync(BinaryData.FromBytes(TestImages.Png(4000 + i)));
        }

        int delivered = await RelayAsync(app, host, folder);
        List<CaptionEntity> rows = await RowsAsync(app, host, names.Length, r => r.Status == CaptionStatus.Succeeded);

        Assert.Equal(names.Length, delivered);
        Assert.Equal(names.Order(StringComparer.Ordinal), rows.Select(r => r.BlobName).Order(StringComparer.Ordinal));
        Assert.All(rows, r => Assert.Equal(1, r.Attempts));
        Assert.True(await InternalQueue(host).ExistsAsync(), "The extension's own queue azure-webjobs-blobtrigger-<host id> was never created.");
    }

    [Fact]
    public async Task Relay_TransientFaultOnce_TheExtensionRetriesAndTheRowSucceeds()
    {
        using var app = FunctionsAppHost.Create(azurite, model.ModelDirectory,
            services: CaptionerDoubles.Wrap(inner => new TransientFailureCaptionerTestDouble(inner)));
        await using BlobExtensionHost host = await BlobExtensionHost.StartAsync(azurite, app);
        string name = "host-" + Guid.NewGuid().ToString("N")[..8] + "/once busy.png";
        await app.Images.GetBlobClient(name).UploadAsync(BinaryData.FromBytes(TestImages.Png(4100)));

        await RelayAsync(app, host, name);
        CaptionEntity row = Assert.Single(await RowsAsync(app, host, 1, r => r.Status == CaptionStatus.Succeeded));

        Assert.Equal(name, row.BlobName);
        Assert.Equal(2, row.Attempts);
        Assert.Empty(await PoisonMessagesAsync(name));
    }

    [Fact]
    public async Task Relay_TransientFaultThatNeverClears_TheHostsLastAttemptMarksTheRowFailedWithTheLastError()
    {
        // The extension retries up to host.json's poisonBlobThreshold; the attempt that reaches it (Captioning__MaxAttempts)
        // writes a failed row saying why instead of leaving the row processing while the blob goes to the poison queue.
        AlwaysBusyCaptionerTestDouble? busy = null;
        using var app = FunctionsAppHost.Create(azurite, model.ModelDirectory,
            services: CaptionerDoubles.Wrap(inner => busy = new AlwaysBusyCaptionerTestDouble(inner)));
        await using BlobExtensionHost host = await BlobExtensionHost.StartAsync(azurite, app);
        string name = "host-" + Guid.NewGuid().ToString("N")[..8] + "/always busy #1.png";
        await app.Images.GetBlobClient(name).UploadAsync(BinaryData.FromBytes(TestImages.Png(4200)));
        int threshold = HostJsonPoisonBlobThreshold();

        await RelayAsync(app, host, name);
        CaptionEntity row = Assert.Single(await RowsAsync(app, host, 1, r => r.Status == CaptionStatus.Failed));

        Assert.Equal(threshold, busy!.Calls);
        Assert.Equal(threshold, row.Attempts);
        Assert.StartsWith($"Captioning failed on each of {threshold} attempts, the last time with RequestFailedException: ", row.FailureReason, StringComparison.Ordinal);
        Assert.Contains("busy", row.FailureReason, StringComparison.OrdinalIgnoreCase);
        Assert.Null(row.LeaseExpiresAt);
        Assert.Empty(await PoisonMessagesAsync(name));
    }

    /// <summary>The local relay's one pass over the container, posting to the extension's webhook over HTTP.</summary>
    private static async Task<int> RelayAsync(FunctionsAppHost app, BlobExtensionHost host, string prefix)
    {
        using var http = new HttpClient();
        var relay = new BlobEventRelay(app.Images, http, host.WebhookFor("CaptionBlob"), TimeProvider.System, prefix);
        return await relay.PollOnceAsync(CancellationToken.None);
    }

    private static Task<List<CaptionEntity>> RowsAsync(FunctionsAppHost app, BlobExtensionHost host, int count, Func<CaptionEntity, bool> done) =>
        WaitForAsync(() =>
        {
            List<CaptionEntity> rows = app.Rows();
            return Task.FromResult(rows.Count == count && rows.All(done) ? rows : null);
        }, host, $"{count} finished row(s)");

    private static async Task<T> WaitForAsync<T>(Func<Task<T?>> probe, BlobExtensionHost host, string what)
    {
        DateTime deadline = DateTime.UtcNow + s_deadline;
        while (DateTime.UtcNow < deadline)
        {
            if (await probe() is { } found && !EqualityComparer<T>.Default.Equals(found, default))
            {
                return found;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"No {what} within {s_deadline.TotalSeconds} s. The WebJobs host logged:{Environment.NewLine}{host.Logs()}");
    }

    private QueueClient InternalQueue(BlobExtensionHost host) =>
        new QueueServiceClient(azurite.ConnectionString).GetQueueClient("azure-webjobs-blobtrigger-" + host.HostId);

    private async Task<List<JsonElement>> PoisonMessagesAsync(string blobName)
    {
        QueueClient poison = new QueueServiceClient(azurite.ConnectionString).GetQueueClient("webjobs-blobtrigger-poison");
        if (!await poison.ExistsAsync())
        {
            return [];
        }

        PeekedMessage[] messages = await poison.PeekMessagesAsync(32);
        return
        [
            // The extension writes its queue messages base64-encoded (the queues' default encoding).
            .. messages.Select(m => JsonDocument.Parse(Convert.FromBase64String(m.Body.ToString())).RootElement.Clone())
                .Where(m => m.GetProperty("BlobName").GetString() == blobName),
        ];
    }

    private static int HostJsonPoisonBlobThreshold()
    {
        using JsonDocument host = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "host.json")));
        return host.RootElement.GetProperty("extensions").GetProperty("blobs").GetProperty("poisonBlobThreshold").GetInt32();
    }
}

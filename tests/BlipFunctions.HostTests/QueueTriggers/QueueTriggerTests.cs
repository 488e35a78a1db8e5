using System.Reflection;
using System.Text;
using System.Text.Json;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using BlipFunctions.Functions;
using BlipFunctions.HostTests.Fixtures;
using BlipFunctions.Reconcile;
using BlipFunctions.Storage;
using BlipFunctions.Testing;
using BlipFunctions.Tests.Fixtures;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.WebJobs;

namespace BlipFunctions.HostTests.QueueTriggers;

/// <summary>
/// The app's queue triggers under the host-side queue extension, with host.json's queue settings (messages handed over
/// as they are, two at a time): the caption requests a reconcile queues and the BlobDeleted events Event Grid queues
/// reach our functions as the host delivers them, and end in the rows a user sees.
/// </summary>
[Collection(AzuriteTestGroup.Name)]
public sealed class QueueTriggerTests(AzuriteFixture azurite, TinyModelFixture model)
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(90);

    [Theory]
    [InlineData(nameof(Host.Functions.CaptionQueuedBlob), CaptionQueuedBlobFunction.QueueName)]
    [InlineData(nameof(Host.Functions.ContinueReconcile), ContinueReconcileFunction.QueueName)]
    [InlineData(nameof(Host.Functions.BlobDeleted), BlobDeletedFunction.QueueName)]
    public void Bridge_QueueTriggerAttribute_IsTheBuiltMetadatasTrigger(string function, string queue)
    {
        JsonElement binding = BuiltApp.Functions().Single(f => f.GetProperty("name").GetString() == function)
            .GetProperty("bindings").EnumerateArray().Single(b => b.GetProperty("type").GetString() == "queueTrigger");
        MethodInfo method = typeof(Host.Functions).GetMethod(function)!;
        QueueTriggerAttribute trigger = method.GetParameters()[0].GetCustomAttribute<QueueTriggerAttribute>()!;

        Assert.Equal((queue, queue), (binding.GetProperty("queueName").GetString(), trigger.QueueName));
        Assert.Equal(binding.GetProperty("connection").GetString(), trigger.Connection);
        Assert.Equal(function, method.GetCustomAttribute<FunctionNameAttribute>()!.Name);
    }

    [Fact]
    public async Task Reconcile_UploadsThatRaisedNoEvent_AreCaptionedThroughTheHostsQueueTrigger()
    {
        using var app = FunctionsAppHost.Create(azurite, model.ModelDirectory);
        await ClearAsync(app, CaptionQueuedBlobFunction.QueueName, ContinueReconcileFunction.QueueName);
        string folder = "host-reconcile-" + Guid.NewGuid().ToString("N")[..8] + "/";
        for (int i = 0; i < 4; i++)
        {
            await app.Images.GetBlobClient($"{folder}{i}.png").UploadAsync(BinaryData.FromBytes(TestImages.Png(7000 + i, 24, 24)));
        }

        await using BlobExtensionHost host = await BlobExtensionHost.StartAsync(azurite, app);
        var request = new DefaultHttpContext().Request;
        request.Method = HttpMethods.Post;
        request.QueryString = new QueryString("?prefix=" + Uri.EscapeDataString(folder));
        var accepted = Assert.IsType<AcceptedResult>(await app.Function<StartReconcileFunction>().Run(request, CancellationToken.None));
        Assert.Equal(4L, Assert.IsType<BlipFunctions.Http.ReconcileRunResponse>(accepted.Value).Queued);

        List<CaptionEntity> rows = await WaitForAsync(app, () => Rows(app, folder) is { Count: 4 } all && all.All(r => r.Status == CaptionStatus.Succeeded), host);
        Assert.All(Rows(app, folder), row => Assert.True(row.KeywordsIndexed));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task BlobDeleted_EventQueuedByEventGrid_RemovesTheRowThroughTheHostsQueueTrigger(bool base64)
    {
        using var app = FunctionsAppHost.Create(azurite, model.ModelDirectory);
        string name = "host-deleted-" + Guid.NewGuid().ToString("N")[..8] + ".png";
        BlobClient blob = app.Images.GetBlobClient(name);
        await blob.UploadAsync(BinaryData.FromBytes(TestImages.Png(7100, 24, 24)));
        await app.Function<CaptionBlobFunction>().Run(blob, CancellationToken.None);
        Assert.Single(Rows(app, name));
        await blob.DeleteAsync();

        await using BlobExtensionHost host = await BlobExtensionHost.StartAsync(azurite, app);
        string deleted = $$"""{"id":"{{Guid.NewGuid()}}","topic":"/subscriptions/x/resourceGroups/x/providers/Microsoft.Storage/storageAccounts/devstoreaccount1","subject":"/blobServices/default/containers/images/blobs/{{name}}","eventType":"Microsoft.Storage.BlobDeleted","eventTime":"2026-12-06T05:00:00Z","data":{"api":"DeleteBlob","url":"{{blob.Uri}}"},"dataVersion":"","metadataVersion":"1"}""";
        var queue = new QueueClient(azurite.ConnectionString, BlobDeletedFunction.QueueName);
        await queue.CreateIfNotExistsAsync();
        await queue.SendMessageAsync(base64 ? Convert.ToBase64String(Encoding.UTF8.GetBytes(deleted)) : deleted);

        await WaitForAsync(app, () => Rows(app, name).Count == 0, host);
    }

    private static List<CaptionEntity> Rows(FunctionsAppHost app, string prefix) =>
        [.. app.Rows().Where(r => r.BlobName.StartsWith(prefix, StringComparison.Ordinal))];

    private static async Task ClearAsync(FunctionsAppHost app, params string[] queues)
    {
        foreach (string name in queues)
        {
            QueueClient queue = app.Get<BlipFunctions.Configuration.CaptionStorageClients>().Queues.GetQueueClient(name);
            await queue.CreateIfNotExistsAsync();
            await queue.ClearMessagesAsync();
        }
    }

    private static async Task<List<CaptionEntity>> WaitForAsync(FunctionsAppHost app, Func<bool> done, BlobExtensionHost host)
    {
        DateTime until = DateTime.UtcNow + s_deadline;
        while (!done())
        {
            Assert.True(DateTime.UtcNow < until, $"Not done after {s_deadline.TotalSeconds} s. Host logs:\n{host.Logs()}");
            await Task.Delay(250);
        }

        return app.Rows();
    }
}

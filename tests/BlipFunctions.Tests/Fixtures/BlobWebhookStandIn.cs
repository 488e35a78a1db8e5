using System.Net;
using System.Text.Json;
using Azure.Storage.Blobs;
using BlipFunctions.Testing;
using BlipFunctions.Configuration;
using BlipFunctions.Functions;
using Microsoft.Extensions.DependencyInjection;

namespace BlipFunctions.Tests.Fixtures;

/// <summary>
/// Stands in for the Functions host's blob webhook (/runtime/webhooks/blobs), doing what the blob extension does
/// with Event Grid events: parse the event array, take data.url, split it into container and blob name with
/// BlobUriBuilder, and invoke the named function with a BlobClient from the trigger's connection. Answers 202 like the host.
/// </summary>
public sealed class BlobWebhookStandIn(FunctionsAppHost app) : HttpMessageHandler
{
    public List<(string Function, string Container, string BlobName, string ETag)> Received { get; } = [];

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        string function = System.Web.HttpUtility.ParseQueryString(request.RequestUri!.Query)["functionName"]!;
        Assert.Equal("/runtime/webhooks/blobs", request.RequestUri.AbsolutePath);
        Assert.Equal("Notification", request.Headers.GetValues("aeg-event-type").Single());
        using JsonDocument events = JsonDocument.Parse(await request.Content!.ReadAsStringAsync(cancellationToken));
        foreach (JsonElement evt in events.RootElement.EnumerateArray())
        {
            Assert.Equal("Microsoft.Storage.BlobCreated", evt.GetProperty("eventType").GetString());
            JsonElement data = evt.GetProperty("data");
            Assert.Equal("BlockBlob", data.GetProperty("blobType").GetString());
            var address = new BlobUriBuilder(new Uri(data.GetProperty("url").GetString()!));
            Received.Add((function, address.BlobContainerName, address.BlobName, data.GetProperty("eTag").GetString()!));
            Assert.Equal("Host.Functions." + CaptionBlobFunction.Name, function);
            BlobClient blob = app.Get<CaptionStorageClients>().Blobs.GetBlobContainerClient(address.BlobContainerName).GetBlobClient(address.BlobName);
            await app.Function<CaptionBlobFunction>().Run(blob, cancellationToken);
        }

        return new HttpResponseMessage(HttpStatusCode.Accepted);
    }
}

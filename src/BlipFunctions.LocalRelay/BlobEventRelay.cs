using System.Net.Http.Headers;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace BlipFunctions.LocalRelay;

/// <summary>
/// Stands in for Event Grid on a developer machine: lists the container, and for every blob version (name + ETag)
/// not yet delivered (under an optional name prefix) posts a BlobCreated event to the webhook. Blobs present at start are delivered too; the app
/// ignores versions it has already captioned, so restarting the relay is harmless.
/// </summary>
public sealed class BlobEventRelay(BlobContainerClient container, HttpClient http, Uri webhook, TimeProvider time, string? prefix = null)
{
    private readonly Dictionary<string, string> _delivered = new(StringComparer.Ordinal);

    /// <summary>One pass over the container; returns how many events the webhook accepted.</summary>
    public async Task<int> PollOnceAsync(CancellationToken cancellationToken)
    {
        if (!await container.ExistsAsync(cancellationToken).ConfigureAwait(false))
        {
            return 0;
        }

        int accepted = 0;
        await foreach (BlobItem blob in container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, cancellationToken).ConfigureAwait(false))
        {
            string etag = blob.Properties.ETag?.ToString() ?? string.Empty;
            if (_delivered.TryGetValue(blob.Name, out string? seen) && seen == etag)
            {
                continue;
            }

            using var content = new StringContent(BlobCreatedEvents.ToJson(container, blob, time.GetUtcNow()));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var request = new HttpRequestMessage(HttpMethod.Post, webhook) { Content = content };
            request.Headers.Add("aeg-event-type", "Notification");
            using HttpResponseMessage response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                _delivered[blob.Name] = etag;
                accepted++;
            }
            else
            {
                await Console.Error.WriteLineAsync($"relay: {webhook} answered {(int)response.StatusCode} for {blob.Name}; will retry").ConfigureAwait(false);
            }
        }

        return accepted;
    }

    /// <summary>Polls until cancelled; a host that is not up yet is retried on the next pass.</summary>
    public async Task RunAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                int sent = await PollOnceAsync(cancellationToken).ConfigureAwait(false);
                if (sent > 0)
                {
                    Console.WriteLine($"relay: delivered {sent} BlobCreated event(s) from '{container.Name}'");
                }
            }
            catch (Exception e) when (e is HttpRequestException or Azure.RequestFailedException)
            {
                await Console.Error.WriteLineAsync($"relay: {e.Message.Split('\n')[0]} (retrying)").ConfigureAwait(false);
            }

            await Task.Delay(interval, time, cancellationToken).ConfigureAwait(false);
        }
    }
}

using System.Net.Http.Headers;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Queues;

namespace BlipFunctions.LocalRelay;

/// <summary>
/// Stands in for Event Grid on a developer machine: lists the container, and for every blob version (name + ETag)
/// not yet delivered (under an optional name prefix) posts a BlobCreated event to the webhook. Blobs present at start are delivered too; the app
/// ignores versions it has already captioned, so restarting the relay is harmless. With a <paramref name="deletions"/>
/// queue, a delivered blob missing from a later listing gets a BlobDeleted event in that queue, as the Event Grid
/// subscription of infra/app/deletions.bicep writes it (blobs deleted while the relay was not running are not seen).
/// </summary>
public sealed class BlobEventRelay(BlobContainerClient container, HttpClient http, Uri webhook, TimeProvider time, string? prefix = null, QueueClient? deletions = null)
{
    private readonly Dictionary<string, string> _delivered = new(StringComparer.Ordinal);

    /// <summary>One pass over the container; returns how many events the webhook accepted and deletions were queued.</summary>
    public async Task<int> PollOnceAsync(CancellationToken cancellationToken)
    {
        if (!await container.ExistsAsync(cancellationToken).ConfigureAwait(false))
        {
            return 0;
        }

        int accepted = 0;
        var listed = new HashSet<string>(StringComparer.Ordinal);
        await foreach (BlobItem blob in container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, cancellationToken).ConfigureAwait(false))
        {
            listed.Add(blob.Name);
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

        if (deletions is not null)
        {
            foreach (string gone in _delivered.Keys.Where(name => !listed.Contains(name)).ToList())
            {
                await deletions.SendMessageAsync(BlobDeletedEvents.ToJson(container, gone, time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
                _delivered.Remove(gone);
                accepted++;
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
                    Console.WriteLine($"relay: delivered {sent} BlobCreated/BlobDeleted event(s) from '{container.Name}'");
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

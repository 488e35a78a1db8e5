using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using BlipCaptioning;
using BlipFunctions.Functions;
using BlipFunctions.Storage;
using BlipFunctions.Testing;

namespace BlipFunctions.Bench;

/// <summary>
/// A burst: N images uploaded at once to the images container on Azurite, each handed as soon as its upload completes to
/// <see cref="CaptionBlobFunction"/> with at most <c>parallelism</c> invocations running (what host.json's
/// extensions.blobs.maxDegreeOfParallelism lets the blob extension do on one instance), until every image has its row.
/// </summary>
internal sealed class BurstScenario(BurstOptions options, AzuriteProcess azurite)
{
    private const int Uploaders = 4;

    public async Task<BurstResult> RunAsync(CancellationToken cancellationToken)
    {
        string table = "burst" + Guid.NewGuid().ToString("N")[..12];
        using AppHost app = AppHost.Create(new Dictionary<string, string?>
        {
            ["CaptionStorage"] = azurite.ConnectionString,
            ["Captioning:CaptionsTable"] = table,
            ["Captioning:ModelDirectory"] = options.ModelDirectory,
            ["Captioning:MaxConcurrency"] = options.MaxConcurrency.ToString(CultureInfo.InvariantCulture),
            ["Captioning:IntraOpThreads"] = options.IntraOpThreads.ToString(CultureInfo.InvariantCulture),
        });
        BlobContainerClient images = azurite.Blobs.GetBlobContainerClient(CaptionBlobFunction.Container);
        await images.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        TableClient rows = new TableServiceClient(azurite.ConnectionString).GetTableClient(table);
        await rows.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
        CaptionBlobFunction function = app.Function<CaptionBlobFunction>();

        Console.Error.WriteLine($"burst: making {options.Images} images...");
        byte[][] bytes = [.. Enumerable.Range(0, options.Images).Select(SyntheticImages.Jpeg)];

        // A warm instance: the model loaded and one caption made through the function before the burst.
        Console.Error.WriteLine("burst: loading the model and captioning one image first (not timed)...");
        var warm = Stopwatch.StartNew();
        BlobClient warmup = images.GetBlobClient($"warmup-{Guid.NewGuid():N}.jpg");
        await warmup.UploadAsync(BinaryData.FromBytes(SyntheticImages.Jpeg(options.Images)), cancellationToken).ConfigureAwait(false);
        await function.Run(warmup, cancellationToken).ConfigureAwait(false);
        double warmSeconds = warm.Elapsed.TotalSeconds;
        double rssBefore = ProcessMemory.CurrentMiB() ?? double.NaN;
        bool peakReset = ProcessMemory.ResetPeak();

        Console.Error.WriteLine($"burst: {options.Images} uploads, {options.Parallelism} function invocations at once, MaxConcurrency {options.MaxConcurrency}, IntraOpThreads {options.IntraOpThreads}...");
        string folder = $"burst-{Guid.NewGuid():N}"[..18] + "/";
        var uploaded = Channel.CreateUnbounded<(BlobClient Blob, long UploadedAt)>();
        var latencies = new ConcurrentBag<double>();
        var failures = new ConcurrentBag<string>();
        var clock = Stopwatch.StartNew();
        int next = -1;

        async Task UploadAsync()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < bytes.Length)
            {
                BlobClient blob = images.GetBlobClient(folder + i.ToString("D5", CultureInfo.InvariantCulture) + ".jpg");
                await blob.UploadAsync(BinaryData.FromBytes(bytes[i]), cancellationToken).ConfigureAwait(false);
                await uploaded.Writer.WriteAsync((blob, clock.ElapsedTicks), cancellationToken).ConfigureAwait(false);
            }
        }

        async Task InvokeAsync()
        {
            await foreach ((BlobClient blob, long uploadedAt) in uploaded.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    await function.Run(blob, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The host would retry; the benchmark records it (a row still says what happened).
                    failures.Add($"{blob.Name}: {e.GetType().Name}: {e.Message}");
                }

                latencies.Add((clock.ElapsedTicks - uploadedAt) * 1000.0 / Stopwatch.Frequency);
            }
        }

        Task uploads = Task.WhenAll(Enumerable.Range(0, Uploaders).Select(_ => Task.Run(UploadAsync, cancellationToken)));
        // A failed upload ends the burst with its error (the invocations stop reading), not with rows silently missing.
        _ = uploads.ContinueWith(done => uploaded.Writer.TryComplete(done.Exception), TaskScheduler.Default);
        Task invocations = Task.WhenAll(Enumerable.Range(0, options.Parallelism).Select(_ => Task.Run(InvokeAsync, cancellationToken)));
        await uploads.ConfigureAwait(false);
        double uploadSeconds = clock.Elapsed.TotalSeconds;
        await invocations.ConfigureAwait(false);

        // Every image must have its row, finished: counted from the table, not from the invocations. Only the container's
        // partition: the keyword index keeps its entries in the same table.
        List<CaptionEntity> written = [];
        string partition = CaptionKeys.PartitionKeyFor(CaptionBlobFunction.Container);
        await foreach (CaptionEntity row in rows.QueryAsync<CaptionEntity>(r => r.PartitionKey == partition, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (row.BlobName.StartsWith(folder, StringComparison.Ordinal))
            {
                written.Add(row);
            }
        }

        double wallSeconds = clock.Elapsed.TotalSeconds;
        double peak = ProcessMemory.PeakMiB() ?? double.NaN;
        return new BurstResult(
            options,
            Rows: written.Count,
            Succeeded: written.Count(r => r.Status == CaptionStatus.Succeeded),
            Failed: written.Count(r => r.Status == CaptionStatus.Failed),
            InvocationFailures: [.. failures],
            WallSeconds: wallSeconds,
            UploadSeconds: uploadSeconds,
            WarmupSeconds: warmSeconds,
            LatencyMs: [.. latencies],
            CaptionTotalMs: [.. written.Where(r => r.TotalMs is not null).Select(r => r.TotalMs!.Value)],
            RssBeforeMiB: rssBefore,
            PeakRssMiB: peak,
            PeakResettable: peakReset,
            Model: await app.Get<IImageCaptioner>().DescribeModelAsync(cancellationToken).ConfigureAwait(false));
    }
}

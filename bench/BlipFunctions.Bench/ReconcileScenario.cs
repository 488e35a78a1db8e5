using System.Diagnostics;
using System.Diagnostics.Tracing;
using System.Globalization;
using Azure.Core.Diagnostics;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using BlipCaptioning;
using BlipFunctions.Functions;
using BlipFunctions.Reconcile;
using BlipFunctions.Storage;
using BlipFunctions.Testing;

namespace BlipFunctions.Bench;

/// <summary>
/// The listing side of a reconcile over N blobs on Azurite, run by the app's own <see cref="ReconcileRunner"/>: first
/// over a library nothing has captioned (every blob queued: a backfill), then over the same library with every row up
/// to date (nothing queued: a nightly run), timing each run and counting its storage requests. The captioning of the
/// queued blobs is not part of it (the burst scenario measures captioning).
/// </summary>
internal sealed class ReconcileScenario(ReconcileBenchOptions options, AzuriteProcess azurite)
{
    public async Task<IReadOnlyList<ReconcileBenchResult>> RunAsync(CancellationToken cancellationToken)
    {
        using AppHost app = AppHost.Create(new Dictionary<string, string?>
        {
            ["CaptionStorage"] = azurite.ConnectionString,
            ["Captioning:CaptionsTable"] = "reconcile" + Guid.NewGuid().ToString("N")[..12],
            ["Captioning:ModelDirectory"] = options.ModelDirectory,
            ["Reconcile:PageSize"] = options.PageSize.ToString(CultureInfo.InvariantCulture),
            ["Reconcile:Parallelism"] = options.Parallelism.ToString(CultureInfo.InvariantCulture),
        });
        BlobContainerClient images = azurite.Blobs.GetBlobContainerClient(CaptionBlobFunction.Container);
        await images.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        string folder = $"reconcile-{Guid.NewGuid():N}"[..22] + "/";
        var queues = app.Get<ReconcileQueues>();
        await queues.CaptionRequests.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await queues.CaptionRequests.ClearMessagesAsync(cancellationToken).ConfigureAwait(false);

        Console.Error.WriteLine($"reconcile: uploading {options.Blobs:N0} blobs to {folder}...");
        byte[] bytes = SyntheticImages.Jpeg(1);
        await Parallel.ForEachAsync(Enumerable.Range(0, options.Blobs), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
            async (i, token) => await images.GetBlobClient(folder + i.ToString("D7", CultureInfo.InvariantCulture) + ".jpg")
                .UploadAsync(BinaryData.FromBytes(bytes), token).ConfigureAwait(false)).ConfigureAwait(false);
        var target = await CaptioningTarget.OfAsync(app.Get<IImageCaptioner>(), cancellationToken).ConfigureAwait(false); // loads the model: not timed

        ReconcileBenchResult.PrintHeader(Console.Out);
        var results = new List<ReconcileBenchResult> { (await MeasureAsync(app, "backfill (no rows)", folder, cancellationToken).ConfigureAwait(false)).Print(Console.Out) };
        await queues.CaptionRequests.ClearMessagesAsync(cancellationToken).ConfigureAwait(false);

        Console.Error.WriteLine($"reconcile: writing {options.Blobs:N0} up-to-date rows...");
        // In table transactions of 100 (one partition), which Azurite ingests far faster than single inserts.
        TableClient table = app.Get<TableClient>();
        await table.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
        var batch = new List<TableTransactionAction>(100);
        await foreach (BlobItem item in images.GetBlobsAsync(BlobTraits.None, BlobStates.None, folder, cancellationToken).ConfigureAwait(false))
        {
            batch.Add(new TableTransactionAction(TableTransactionActionType.Add, UpToDateRow(item.Name, item.Properties.ETag.ToString()!, target)));
            if (batch.Count == 100)
            {
                await table.SubmitTransactionAsync(batch, cancellationToken).ConfigureAwait(false);
                batch.Clear();
            }
        }

        if (batch.Count > 0)
        {
            await table.SubmitTransactionAsync(batch, cancellationToken).ConfigureAwait(false);
        }

        results.Add((await MeasureAsync(app, "up to date", folder, cancellationToken).ConfigureAwait(false)).Print(Console.Out));
        return results;
    }

    private static async Task<ReconcileBenchResult> MeasureAsync(AppHost app, string label, string folder, CancellationToken cancellationToken)
    {
        Console.Error.WriteLine($"reconcile: {label}...");
        ProcessMemory.ResetPeak();
        int requests = 0;
        using var listener = new AzureEventSourceListener((e, _) =>
        {
            if (e.EventName == "Request")
            {
                Interlocked.Increment(ref requests);
            }
        }, EventLevel.Informational);
        var clock = Stopwatch.StartNew();
        ReconcileRunEntity run = await app.Get<ReconcileRunner>().StartAsync(
            CaptionBlobFunction.Container, new ReconcileRequest(folder, false, false), "bench", TimeSpan.FromHours(1), cancellationToken).ConfigureAwait(false);
        double seconds = clock.Elapsed.TotalSeconds;
        return new ReconcileBenchResult(label, run.Listed, run.Queued, run.RowsChecked, run.Pages, seconds, Volatile.Read(ref requests), ProcessMemory.PeakMiB());
    }

    private static CaptionEntity UpToDateRow(string name, string blobETag, CaptioningTarget target) => new()
    {
        PartitionKey = CaptionKeys.PartitionKeyFor(CaptionBlobFunction.Container),
        RowKey = CaptionKeys.RowKeyFor(name),
        Container = CaptionBlobFunction.Container,
        BlobName = name,
        Status = CaptionStatus.Succeeded,
        Caption = "a synthetic caption",
        Keywords = "synthetic caption",
        BlobETag = blobETag,
        ModelSource = target.ModelSource,
        ModelPrecision = target.ModelPrecision,
        ModelFingerprint = target.ModelFingerprint,
        Decoding = target.Decoding,
        KeywordsIndexed = true,
        Attempts = 1,
        CreatedAt = DateTimeOffset.UtcNow,
        UpdatedAt = DateTimeOffset.UtcNow,
    };
}

/// <summary>The reconcile scenario's settings.</summary>
internal sealed record ReconcileBenchOptions(string ModelDirectory, int Blobs, int PageSize, int Parallelism);

/// <summary>One reconcile run's figures.</summary>
internal sealed record ReconcileBenchResult(string Label, long Listed, long Queued, long RowsChecked, int Pages, double Seconds, int StorageRequests, double? PeakRssMiB)
{
    public static void PrintHeader(TextWriter output) =>
        output.WriteLine("run                   listed   queued   rows swept   pages   seconds   blobs/s   storage requests   per blob   peak RSS MiB");

    public ReconcileBenchResult Print(TextWriter output)
    {
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{Label,-20} {Listed,7:N0} {Queued,8:N0} {RowsChecked,12:N0} {Pages,7} {Seconds,9:F1} {Listed / Seconds,9:N0} {StorageRequests,18:N0} {(double)StorageRequests / Listed,10:F2} {PeakRssMiB,14:F0}"));
        return this;
    }
}

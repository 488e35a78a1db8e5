using System.Diagnostics;
using System.Reflection;
using Azure;
using Azure.Data.Tables;
using BlipCaptioning;
using BlipCaptioning.Model;
using BlipFunctions.Configuration;
using BlipFunctions.Functions;
using Microsoft.Extensions.Options;

namespace BlipFunctions.Health;

/// <summary>
/// Answers "is the model there, which one, and can the app reach its storage?" for <c>GET /api/health</c>. It never
/// loads or copies the model (it reads the manifest file at most), and the storage checks run together within
/// <see cref="StorageBudget"/>, so the answer comes in about that time even when storage does not answer at all.
/// </summary>
public sealed class HealthProbe(
    ImageCaptioner captioner,
    CaptionStorageClients storage,
    IOptions<CaptionPipelineOptions> options,
    IOptions<CaptioningOptions> captioning)
{
    /// <summary>The blob trigger's poison queue (the Functions blob extension's fixed name).</summary>
    public const string PoisonQueueName = "webjobs-blobtrigger-poison";

    /// <summary>How long the storage checks may take, together.</summary>
    public static readonly TimeSpan StorageBudget = TimeSpan.FromSeconds(3);

    private static readonly string s_version =
        typeof(HealthProbe).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(HealthProbe).Assembly.GetName().Version?.ToString() ?? "unknown";

    public async Task<HealthReport> CheckAsync(CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        if (SettingsProblem() is { } invalid)
        {
            var notChecked = new StorageCheck(false, "Not checked: the settings are invalid (model.problem says why).", 0);
            return new HealthReport("unhealthy", s_version, new ModelHealth(false, false, captioner.IsModelLoaded, null, null, null, null, null, invalid),
                new StorageHealth(notChecked, notChecked, notChecked), Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(StorageBudget);
        var blobs = CheckAsync(BlobsAsync, budget.Token);
        var tables = CheckAsync(TablesAsync, budget.Token);
        var queues = CheckAsync(QueuesAsync, budget.Token);
        var model = Model();
        var checks = new StorageHealth(await blobs.ConfigureAwait(false), await tables.ConfigureAwait(false), await queues.ConfigureAwait(false));
        cancellationToken.ThrowIfCancellationRequested();

        bool healthy = checks.Blobs.Reachable && checks.Tables.Reachable && checks.Queues.Reachable && model.Problem is null;
        return new HealthReport(healthy ? "healthy" : "unhealthy", s_version, model, checks, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    /// <summary>The settings are validated when first read; one that went bad after start-up (a model folder removed) is reported, not thrown.</summary>
    private string? SettingsProblem()
    {
        try
        {
            _ = options.Value;
            _ = captioning.Value;
            return null;
        }
        catch (OptionsValidationException ex)
        {
            return ex.Message;
        }
    }

    private ModelHealth Model()
    {
        var settings = options.Value;
        bool fromBlobs = settings.ModelBlobUri is not null;
        if (captioner.LoadedModel is { } loaded)
        {
            return new ModelHealth(true, fromBlobs, true, loaded.Source, RevisionOf(loaded.Source), loaded.Precision,
                loaded.LoadTime.TotalMilliseconds, loaded.LoadedAt, null);
        }

        string manifestPath = Path.Combine(Path.GetFullPath(captioning.Value.ModelDirectory!), BlipModelContract.ManifestFileName);
        if (!File.Exists(manifestPath))
        {
            string? problem = fromBlobs ? null
                : "The model folder holds no blip-model.json and Captioning__ModelBlobUri is not set: captions will fail until a model is deployed there (docs/deploy.md).";
            return new ModelHealth(false, fromBlobs, false, null, null, null, null, null, problem);
        }

        try
        {
            // The manifest alone (size-capped by its reader): no graph is opened.
            var manifest = BlipModelManifest.ReadFile(manifestPath);
            return new ModelHealth(true, fromBlobs, false, manifest.Source, RevisionOf(manifest.Source), manifest.Precision, null, null, null);
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException or BlipCaptioning.Errors.CaptioningException)
        {
            return new ModelHealth(true, fromBlobs, false, null, null, null, null, null, $"blip-model.json cannot be read: {ex.Message}");
        }
    }

    /// <summary>"owner/name@revision" gives the revision; other sources have none.</summary>
    internal static string? RevisionOf(string source)
    {
        int at = source.LastIndexOf('@');
        return at > 0 && at < source.Length - 1 ? source[(at + 1)..] : null;
    }

    private async Task<StorageCheck> BlobsAsync(CancellationToken cancellationToken)
    {
        const string container = CaptionBlobFunction.Container;
        var client = storage.Blobs.GetBlobContainerClient(container);
        bool exists = await client.ExistsAsync(cancellationToken).ConfigureAwait(false);
        return exists
            ? new StorageCheck(true, $"Container '{container}' found.", 0)
            : new StorageCheck(false, $"Container '{container}' does not exist: uploads have nowhere to go (infra/ creates it).", 0);
    }

    private async Task<StorageCheck> TablesAsync(CancellationToken cancellationToken)
    {
        string table = options.Value.CaptionsTable;
        var client = storage.Tables.GetTableClient(table);
        try
        {
            // One page of at most one row of a partition no caption uses: a read that needs the table's data role.
            await foreach (var _ in client.QueryAsync<TableEntity>(filter: "PartitionKey eq ''", maxPerPage: 1, select: ["PartitionKey"], cancellationToken: cancellationToken)
                .AsPages().ConfigureAwait(false))
            {
                break;
            }

            return new StorageCheck(true, $"Table '{table}' found.", 0);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return new StorageCheck(true, $"Table '{table}' does not exist yet; the first caption creates it.", 0);
        }
    }

    private async Task<StorageCheck> QueuesAsync(CancellationToken cancellationToken)
    {
        var client = storage.Queues.GetQueueClient(PoisonQueueName);
        try
        {
            var properties = await client.GetPropertiesAsync(cancellationToken).ConfigureAwait(false);
            int count = properties.Value.ApproximateMessagesCount;
            return new StorageCheck(true, $"Poison queue '{PoisonQueueName}' holds about {count} message(s).", 0, count);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return new StorageCheck(true, $"Poison queue '{PoisonQueueName}' does not exist: no blob has been poisoned.", 0, 0);
        }
    }

    private static async Task<StorageCheck> CheckAsync(Func<CancellationToken, Task<StorageCheck>> check, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        StorageCheck result;
        try
        {
            result = await check(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            result = new StorageCheck(false, $"No answer within {StorageBudget.TotalSeconds:0} s.", 0);
        }
        catch (RequestFailedException ex)
        {
            string hint = ex.Status == 403 ? " (the app's identity lacks a data role on the account: infra/app/rbac.bicep)" : "";
            result = new StorageCheck(false, $"{ex.Status} {ex.ErrorCode}{hint}", 0);
        }
        catch (Exception ex) when (ex is Azure.Identity.AuthenticationFailedException or AggregateException or System.Net.Http.HttpRequestException)
        {
            result = new StorageCheck(false, $"{ex.GetType().Name}: the service could not be reached or the identity could not sign in.", 0);
        }

        return result with { ElapsedMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds };
    }
}

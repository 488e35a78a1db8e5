using Azure;
using Azure.Data.Tables;

namespace BlipFunctions.Reconcile;

/// <summary>The reconcile runs, kept in the captions table under their own partition; writes are conditional on the row's ETag.</summary>
public sealed class ReconcileRuns(TableClient table)
{
    /// <summary>The runs' partition. Container names have no <c>~</c>, so it never meets a container's caption rows.</summary>
    public const string PartitionKey = "~reconcile";

    private volatile bool _tableExists;

    public async Task AddAsync(ReconcileRunEntity run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        Response response = await table.AddEntityAsync(run, cancellationToken).ConfigureAwait(false);
        run.ETag = response.Headers.ETag ?? default;
    }

    /// <summary>The run, or null when there is none with that id.</summary>
    public async Task<ReconcileRunEntity?> GetAsync(string id, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        NullableResponse<ReconcileRunEntity> response = await table.GetEntityIfExistsAsync<ReconcileRunEntity>(PartitionKey, id, cancellationToken: cancellationToken).ConfigureAwait(false);
        return response.HasValue ? response.Value : null;
    }

    /// <summary>Writes the run if nobody changed it since it was read (its ETag); false otherwise. Updates its ETag.</summary>
    public async Task<bool> TryReplaceAsync(ReconcileRunEntity run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        try
        {
            Response response = await table.UpdateEntityAsync(run, run.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            run.ETag = response.Headers.ETag ?? default;
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 412 or 404)
        {
            return false;
        }
    }

    private async Task EnsureTableAsync(CancellationToken cancellationToken)
    {
        if (!_tableExists)
        {
            await table.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
            _tableExists = true;
        }
    }
}

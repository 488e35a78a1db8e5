using Azure;
using Azure.Data.Tables;
using BlipFunctions.Telemetry;

namespace BlipFunctions.Storage;

/// <summary>
/// The captions table, through a DI-registered <see cref="TableClient"/> (the Tables binding is not served here).
/// Writes are conditional: callers pass the row ETag they read, so concurrent invocations never overwrite each other.
/// </summary>
public sealed class CaptionStore
{
    private readonly TableClient _table;
    private volatile bool _tableExists;

    public CaptionStore(TableClient table)
    {
        _table = table;
        Keywords = new CaptionKeywordIndex(table);
    }

    public string TableName => _table.Name;

    /// <summary>The keyword index of the succeeded captions (entries live in the same table).</summary>
    public CaptionKeywordIndex Keywords { get; }

    /// <summary>The row of a blob, or null when there is none.</summary>
    public async Task<CaptionEntity?> GetAsync(string container, string blobName, CancellationToken cancellationToken)
    {
        using var span = AppTelemetry.Source.StartActivity(AppTelemetry.TableReadSpan);
        await EnsureTableAsync().ConfigureAwait(false);
        NullableResponse<CaptionEntity> response = await _table.GetEntityIfExistsAsync<CaptionEntity>(
            CaptionKeys.PartitionKeyFor(container), CaptionKeys.RowKeyFor(blobName), cancellationToken: cancellationToken).ConfigureAwait(false);
        return response.HasValue && response.Value is { } row && row.BlobName == blobName ? row : null;
    }

    /// <summary>Adds a new row; null when a row already exists (someone else was first).</summary>
    public async Task<ETag?> TryAddAsync(CaptionEntity row, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(row);
        using var span = AppTelemetry.Source.StartActivity(AppTelemetry.TableWriteSpan);
        await EnsureTableAsync().ConfigureAwait(false);
        try
        {
            Response response = await _table.AddEntityAsync(row, cancellationToken).ConfigureAwait(false);
            return response.Headers.ETag;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return null;
        }
    }

    /// <summary>Replaces the row if it still has <paramref name="ifMatch"/>; null when it changed since it was read.</summary>
    public async Task<ETag?> TryReplaceAsync(CaptionEntity row, ETag ifMatch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(row);
        using var span = AppTelemetry.Source.StartActivity(AppTelemetry.TableWriteSpan);
        await EnsureTableAsync().ConfigureAwait(false);
        try
        {
            Response response = await _table.UpdateEntityAsync(row, ifMatch, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            return response.Headers.ETag;
        }
        catch (RequestFailedException e) when (e.Status is 412 or 404)
        {
            return null;
        }
    }

    /// <summary>Deletes the row if it is still the version read (its ETag); false when it changed or is gone.</summary>
    public async Task<bool> TryDeleteAsync(CaptionEntity row, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(row);
        await EnsureTableAsync().ConfigureAwait(false);
        try
        {
            Response response = await _table.DeleteEntityAsync(row.PartitionKey, row.RowKey, row.ETag, cancellationToken).ConfigureAwait(false);
            return response.Status != 404;
        }
        catch (RequestFailedException e) when (e.Status is 412 or 404)
        {
            return false;
        }
    }

    /// <summary>
    /// Rows of <paramref name="container"/> whose blob names start with <paramref name="prefix"/>, in key order; only
    /// those with <paramref name="status"/> when it is given (the service then scans the key range, so a page may hold
    /// fewer than <paramref name="top"/> rows, even none, and still have a continuation token).
    /// </summary>
    /// <exception cref="ArgumentException">The prefix is too long to search by key.</exception>
    public async Task<CaptionPage> ListAsync(string container, string prefix, int top, string? continuationToken, CancellationToken cancellationToken, string? status = null)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        if (!CaptionKeys.TryGetPrefixRange(prefix, out string lower, out string upper))
        {
            throw new ArgumentException($"The prefix is too long to list by; keep it under {CaptionKeys.MaxPrefixKeyLength} characters.", nameof(prefix));
        }

        await EnsureTableAsync().ConfigureAwait(false);
        string filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {CaptionKeys.PartitionKeyFor(container)} and RowKey ge {lower} and RowKey lt {upper}");
        if (status is not null)
        {
            filter += " and " + TableClient.CreateQueryFilter($"Status eq {status}");
        }
        AsyncPageable<CaptionEntity> query = _table.QueryAsync<CaptionEntity>(filter, maxPerPage: top, cancellationToken: cancellationToken);
        await foreach (Page<CaptionEntity> page in query.AsPages(continuationToken, top).ConfigureAwait(false))
        {
            return new CaptionPage(page.Values, page.ContinuationToken);
        }

        return new CaptionPage([], null);
    }

    /// <summary>
    /// Writes the keyword index entries of the succeeded <paramref name="row"/>, then sets its
    /// <see cref="CaptionEntity.KeywordsIndexed"/> flag if the row is still the version read (its ETag).
    /// </summary>
    /// <remarks>
    /// Entries first, then the flag on the row: a crash in between leaves the flag false, and the next event or
    /// reconcile for the blob writes the entries again. If the row moved on meanwhile (a newer version claimed it, or
    /// the blob was deleted), the entries written here are taken back unless a newer caption has rewritten them since;
    /// if it changed but still describes this version, a duplicate invocation indexed the same caption and the entries
    /// stay (docs/functions.md "The keyword index").
    /// </remarks>
    public async Task IndexKeywordsAsync(CaptionEntity row, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(row);
        using var span = AppTelemetry.Source.StartActivity(AppTelemetry.KeywordIndexSpan);
        IReadOnlyList<KeywordIndexEntry> written = await Keywords.AddAsync(row, cancellationToken).ConfigureAwait(false);
        row.KeywordsIndexed = true;
        if (await TryReplaceAsync(row, row.ETag, cancellationToken).ConfigureAwait(false) is { } indexed)
        {
            row.ETag = indexed;
            return;
        }

        CaptionEntity? current = await GetAsync(row.Container, row.BlobName, cancellationToken).ConfigureAwait(false);
        if (current is not { Status: CaptionStatus.Succeeded } || current.BlobETag != row.BlobETag)
        {
            await Keywords.RemoveWrittenAsync(written, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Succeeded captions having every keyword (see <see cref="CaptionKeywordIndex.SearchAsync"/>).</summary>
    public async Task<CaptionPage> SearchAsync(
        string container, IReadOnlyList<string> keywords, string prefix, int top, string? continuationToken, CancellationToken cancellationToken)
    {
        await EnsureTableAsync().ConfigureAwait(false);
        return await Keywords.SearchAsync(container, keywords, prefix, top, continuationToken, cancellationToken).ConfigureAwait(false);
    }

    // Creating is idempotent, so racing first calls are harmless; a failure is retried by the next call.
    private async Task EnsureTableAsync()
    {
        if (!_tableExists)
        {
            await _table.CreateIfNotExistsAsync(CancellationToken.None).ConfigureAwait(false);
            _tableExists = true;
        }
    }
}

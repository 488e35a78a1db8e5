using System.Reflection;
using System.Text;
using Azure;
using Azure.Data.Tables;

namespace BlipFunctions.Storage;

/// <summary>
/// The keyword index, kept in the captions table beside the caption rows: for every keyword of a <c>succeeded</c>
/// caption, one entry with PartitionKey <c>kw~{container}~{keyword}</c> and the caption row's RowKey. An entry is a
/// copy of the caption row plus one property <c>kw_{hex of the keyword}</c> = true per keyword of the caption, so a
/// search reads one keyword's partition, the table service keeps the entries that carry every other keyword, and one
/// round trip answers a page (design and ordering rules in docs/functions.md "Keyword search").
/// </summary>
/// <remarks>
/// Container names hold only <c>a-z 0-9 -</c>, so an index partition never equals a container's partition and the
/// listing, which reads the container's partition, never sees entries.
/// </remarks>
public sealed class CaptionKeywordIndex
{
    /// <summary>Longest keyword indexed and searchable (BLIP's words are far shorter).</summary>
    public const int MaxKeywordLength = 64;

    private const string PartitionPrefix = "kw~";
    private const string FlagPrefix = "kw_";

    private static readonly PropertyInfo[] s_rowProperties = typeof(CaptionEntity).GetProperties()
        .Where(p => p.Name is not (nameof(ITableEntity.PartitionKey) or nameof(ITableEntity.RowKey) or nameof(ITableEntity.Timestamp) or nameof(ITableEntity.ETag)))
        .ToArray();

    private readonly TableClient _table;

    internal CaptionKeywordIndex(TableClient table)
    {
        _table = table;
    }

    /// <summary>PartitionKey of the entries of <paramref name="keyword"/> in <paramref name="container"/>.</summary>
    public static string PartitionKeyFor(string container, string keyword) =>
        string.Concat(PartitionPrefix, CaptionKeys.PartitionKeyFor(container), "~", CaptionKeys.RowKeyFor(keyword));

    /// <summary>The entry property that says "this caption has <paramref name="keyword"/>".</summary>
    public static string FlagFor(string keyword) => FlagPrefix + Convert.ToHexStringLower(Encoding.UTF8.GetBytes(keyword));

    /// <summary>The keywords of a row's <c>Keywords</c> value that get entries.</summary>
    public static IReadOnlyList<string> IndexedKeywords(string? keywords) =>
        (keywords ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Where(k => k.Length <= MaxKeywordLength)
            .Distinct(StringComparer.Ordinal)
            .ToList();

    /// <summary>Writes (or overwrites) the entries of a succeeded row; answers what was written, to take back if needed.</summary>
    public async Task<IReadOnlyList<KeywordIndexEntry>> AddAsync(CaptionEntity row, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(row);
        return await Task.WhenAll(EntriesFor(row).Select(async entry =>
        {
            Response response = await _table.UpsertEntityAsync(entry, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            return new KeywordIndexEntry(entry.PartitionKey, entry.RowKey, response.Headers.ETag ?? ETag.All);
        })).ConfigureAwait(false);
    }

    /// <summary>Removes the entries a row's keywords may have (absent ones are fine).</summary>
    public async Task RemoveAsync(CaptionEntity row, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(row);
        string rowKey = CaptionKeys.RowKeyFor(row.BlobName);
        await Task.WhenAll(IndexedKeywords(row.Keywords).Select(keyword =>
            DeleteAsync(PartitionKeyFor(row.Container, keyword), rowKey, ETag.All, cancellationToken))).ConfigureAwait(false);
    }

    /// <summary>Takes back entries this invocation wrote, each only if no one has rewritten it since.</summary>
    public async Task RemoveWrittenAsync(IReadOnlyList<KeywordIndexEntry> written, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(written);
        await Task.WhenAll(written.Select(e => DeleteAsync(e.PartitionKey, e.RowKey, e.ETag, cancellationToken))).ConfigureAwait(false);
    }

    /// <summary>
    /// One page of the succeeded captions of <paramref name="container"/> having every one of <paramref name="keywords"/>
    /// (normalised, at least one), whose blob names start with <paramref name="prefix"/>, in blob-name key order.
    /// </summary>
    /// <exception cref="ArgumentException">The prefix is too long to search by key.</exception>
    public async Task<CaptionPage> SearchAsync(
        string container, IReadOnlyList<string> keywords, string prefix, int top, string? continuationToken, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keywords);
        ArgumentNullException.ThrowIfNull(prefix);
        if (keywords.Count == 0)
        {
            throw new ArgumentException("At least one keyword is needed.", nameof(keywords));
        }

        if (!CaptionKeys.TryGetPrefixRange(prefix, out string lower, out string upper))
        {
            throw new ArgumentException($"The prefix is too long to search by; keep it under {CaptionKeys.MaxPrefixKeyLength} characters.", nameof(prefix));
        }

        // The flags are hex, so they are safe to write into the filter as they are.
        string filter = TableClient.CreateQueryFilter(
                $"PartitionKey eq {PartitionKeyFor(container, keywords[0])} and RowKey ge {lower} and RowKey lt {upper}")
            + string.Concat(keywords.Skip(1).Select(k => $" and {FlagFor(k)} eq true"));
        AsyncPageable<CaptionEntity> query = _table.QueryAsync<CaptionEntity>(filter, maxPerPage: top, cancellationToken: cancellationToken);
        await foreach (Page<CaptionEntity> page in query.AsPages(continuationToken, top).ConfigureAwait(false))
        {
            return new CaptionPage(page.Values, page.ContinuationToken);
        }

        return new CaptionPage([], null);
    }

    /// <summary>The entries a succeeded row gets, one per indexed keyword (for <see cref="AddAsync"/> and bulk loads).</summary>
    public static IReadOnlyList<TableEntity> EntriesFor(CaptionEntity row)
    {
        ArgumentNullException.ThrowIfNull(row);
        IReadOnlyList<string> keywords = IndexedKeywords(row.Keywords);
        return keywords.Select(keyword => EntryFor(row, keyword, keywords)).ToList();
    }

    private static TableEntity EntryFor(CaptionEntity row, string keyword, IReadOnlyList<string> keywords)
    {
        var entry = new TableEntity(PartitionKeyFor(row.Container, keyword), CaptionKeys.RowKeyFor(row.BlobName));
        foreach (PropertyInfo property in s_rowProperties)
        {
            if (property.GetValue(row) is { } value)
            {
                entry[property.Name] = value;
            }
        }

        foreach (string other in keywords)
        {
            entry[FlagFor(other)] = true;
        }

        return entry;
    }

    private async Task DeleteAsync(string partitionKey, string rowKey, ETag ifMatch, CancellationToken cancellationToken)
    {
        try
        {
            await _table.DeleteEntityAsync(partitionKey, rowKey, ifMatch, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            // Gone already, or rewritten by a newer caption of the same blob: either way not ours to remove.
        }
    }
}

using Azure.Data.Tables;
using BlipFunctions.Testing;
using BlipFunctions.Storage;
using BlipFunctions.Tests.Fixtures;

namespace BlipFunctions.Tests.Storage;

[Collection(AzuriteTestGroup.Name)]
public sealed class CaptionStoreTests(AzuriteFixture azurite)
{
    private readonly CaptionStore _store = new(azurite.Tables.GetTableClient(AzuriteFixture.UniqueTableName()));

    [Fact]
    public async Task GetAsync_EverySpecialName_ReadsBackTheRowItWrote()
    {
        foreach (string name in SpecialBlobNames.All)
        {
            Assert.NotNull(await _store.TryAddAsync(Row(name), CancellationToken.None));
        }

        foreach (string name in SpecialBlobNames.All)
        {
            CaptionEntity? row = await _store.GetAsync("images", name, CancellationToken.None);
            Assert.NotNull(row);
            Assert.Equal(name, row.BlobName);
            Assert.Equal(CaptionKeys.RowKeyFor(name), row.RowKey);
        }
    }

    [Fact]
    public async Task GetAsync_UnknownName_IsNull()
    {
        Assert.Null(await _store.GetAsync("images", "never/uploaded.jpg", CancellationToken.None));
    }

    [Fact]
    public async Task TryAddAsync_SecondRowForTheSameBlob_IsRefused()
    {
        Assert.NotNull(await _store.TryAddAsync(Row("twice.jpg"), CancellationToken.None));

        Assert.Null(await _store.TryAddAsync(Row("twice.jpg"), CancellationToken.None));
    }

    [Fact]
    public async Task TryReplaceAsync_WithAnOutdatedRowETag_IsRefusedAndKeepsTheNewerRow()
    {
        var first = Row("race.jpg");
        first.ETag = (await _store.TryAddAsync(first, CancellationToken.None))!.Value;
        var newer = Row("race.jpg");
        newer.Caption = "newer";
        Assert.NotNull(await _store.TryReplaceAsync(newer, first.ETag, CancellationToken.None));

        var older = Row("race.jpg");
        older.Caption = "older";
        Assert.Null(await _store.TryReplaceAsync(older, first.ETag, CancellationToken.None));

        Assert.Equal("newer", (await _store.GetAsync("images", "race.jpg", CancellationToken.None))!.Caption);
    }

    [Fact]
    public async Task ListAsync_Prefix_ReturnsExactlyTheNamesStartingWithItAcrossPages()
    {
        foreach (string name in SpecialBlobNames.All)
        {
            await _store.TryAddAsync(Row(name), CancellationToken.None);
        }

        foreach (string prefix in new[] { "", "holiday/", "ünïcödé/", "hash #", "percent 100%", "x", "deep/er/" })
        {
            var seen = new List<string>();
            string? token = null;
            do
            {
                CaptionPage page = await _store.ListAsync("images", prefix, 3, token, CancellationToken.None);
                Assert.InRange(page.Rows.Count, 0, 3);
                seen.AddRange(page.Rows.Select(r => r.BlobName));
                token = page.ContinuationToken;
            }
            while (token is not null);

            var expected = SpecialBlobNames.All.Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(expected, seen.Order(StringComparer.Ordinal).ToList());
        }
    }

    [Fact]
    public async Task ListAsync_OtherContainer_IsNotListed()
    {
        await _store.TryAddAsync(Row("mine.jpg"), CancellationToken.None);
        var other = Row("theirs.jpg");
        other.PartitionKey = other.Container = "other";
        await _store.TryAddAsync(other, CancellationToken.None);

        CaptionPage page = await _store.ListAsync("images", "", 100, null, CancellationToken.None);

        Assert.Equal(["mine.jpg"], page.Rows.Select(r => r.BlobName));
    }

    private static CaptionEntity Row(string name) => new()
    {
        PartitionKey = CaptionKeys.PartitionKeyFor("images"),
        RowKey = CaptionKeys.RowKeyFor(name),
        Container = "images",
        BlobName = name,
        Status = CaptionStatus.Succeeded,
        BlobETag = "\"0x1\"",
        CreatedAt = DateTimeOffset.UnixEpoch,
        UpdatedAt = DateTimeOffset.UnixEpoch,
    };
}

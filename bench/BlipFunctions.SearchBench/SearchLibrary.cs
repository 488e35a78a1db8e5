using System.Diagnostics;
using System.Globalization;
using Azure.Core;
using Azure.Data.Tables;
using BlipFunctions.Storage;

namespace BlipFunctions.SearchBench;

/// <summary>A table of N synthetic captions and their keyword index, and the searches measured on it.</summary>
internal sealed class SearchLibrary
{
    private const string Container = "images";
    private const int Vocabulary = 1_000;
    private const int KeywordsPerCaption = 4;

    private readonly int _size;
    private readonly bool _withCaptionRows;
    private readonly TableClient _table;
    private readonly RoundTripCounter _counter = new();
    private readonly CaptionStore _store;

    public SearchLibrary(string connectionString, int size, bool withCaptionRows)
    {
        _size = size;
        _withCaptionRows = withCaptionRows;
        var options = new TableClientOptions();
        options.AddPolicy(_counter, HttpPipelinePosition.PerRetry);
        _table = new TableClient(connectionString, "bench" + size.ToString(CultureInfo.InvariantCulture), options);
        _store = new CaptionStore(_table);
    }

    /// <summary>
    /// (label, keywords, top): w1 is the commonest word, w2 the next, w300 and w998/w999 rare ones (the hits column
    /// says how common); "rare first" shows that the order of the keywords matters.
    /// </summary>
    public static IReadOnlyList<(string Label, string[] Keywords, int Top)> Queries { get; } =
    [
        ("w1, top=100", ["w1"], 100),
        ("w1, top=1000", ["w1"], 1000),
        ("w1 & w2, top=100", ["w1", "w2"], 100),
        ("w1 & w300 (rare last), top=100", ["w1", "w300"], 100),
        ("w300 & w1 (rare first), top=100", ["w300", "w1"], 100),
        ("w300, top=100", ["w300"], 100),
        ("w999 & w998 (both rare), top=100", ["w999", "w998"], 100),
    ];

    public async Task<(int Rows, int Entries)> LoadAsync()
    {
        await _table.CreateIfNotExistsAsync();
        var random = new Random(42);
        double[] cumulative = ZipfCumulative();
        var byPartition = new Dictionary<string, List<TableEntity>>(StringComparer.Ordinal);
        var rows = new List<TableEntity>();
        int entries = 0;
        for (int i = 0; i < _size; i++)
        {
            CaptionEntity row = Row(i, Draw(random, cumulative));
            rows.Add(AsEntity(row));
            foreach (TableEntity entry in CaptionKeywordIndex.EntriesFor(row))
            {
                if (!byPartition.TryGetValue(entry.PartitionKey, out List<TableEntity>? list))
                {
                    byPartition[entry.PartitionKey] = list = [];
                }

                list.Add(entry);
                entries++;
            }
        }

        if (_withCaptionRows)
        {
            await InsertAsync(rows);
        }

        int loaded = 0, reported = 0;
        foreach (List<TableEntity> partition in byPartition.Values)
        {
            await InsertAsync(partition);
            loaded += partition.Count;
            if (loaded * 10L / entries > reported)
            {
                reported = (int)(loaded * 10L / entries);
                Console.Error.WriteLine($"  {_size:N0}: {loaded:N0} of {entries:N0} index entries loaded");
            }
        }

        return (_withCaptionRows ? rows.Count : 0, entries);
    }

    public async Task<SearchCost> MeasureAsync(string[] keywords, int top, int repeats)
    {
        var first = new List<double>();
        var all = new List<double>();
        int hits = 0, roundTrips = 0;
        for (int r = 0; r < repeats; r++)
        {
            _counter.Reset();
            hits = 0;
            string? token = null;
            Stopwatch clock = Stopwatch.StartNew();
            do
            {
                CaptionPage page = await _store.SearchAsync(Container, keywords, string.Empty, top, token, CancellationToken.None);
                if (token is null)
                {
                    first.Add(clock.Elapsed.TotalMilliseconds);
                }

                hits += page.Rows.Count;
                token = page.ContinuationToken;
            }
            while (token is not null);

            all.Add(clock.Elapsed.TotalMilliseconds);
            roundTrips = _counter.Count;
        }

        return new SearchCost(hits, roundTrips, Median(first), Median(all));
    }

    private async Task InsertAsync(List<TableEntity> entities)
    {
        // Transactions hold at most 100 entities of one partition.
        var batches = entities.Chunk(100).Select(chunk => chunk.Select(e => new TableTransactionAction(TableTransactionActionType.Add, e)).ToList());
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (batch, ct) =>
            await _table.SubmitTransactionAsync(batch, ct));
    }

    private static CaptionEntity Row(int i, IReadOnlyList<string> keywords)
    {
        string name = string.Create(CultureInfo.InvariantCulture, $"photos/{i / 1000:D4}/img-{i:D7}.jpg");
        var now = DateTimeOffset.UtcNow;
        return new CaptionEntity
        {
            PartitionKey = CaptionKeys.PartitionKeyFor(Container),
            RowKey = CaptionKeys.RowKeyFor(name),
            Container = Container,
            BlobName = name,
            Status = CaptionStatus.Succeeded,
            Caption = "a " + string.Join(" with a ", keywords),
            Keywords = string.Join(' ', keywords),
            Score = -0.42,
            TokenIds = "30522,1037,3899,2652,2006,1996,3509,2012,10434,102",
            BlobETag = "\"0x8DD0000000000" + i.ToString("X5", CultureInfo.InvariantCulture) + "\"",
            BlobLastModified = now,
            BlobBytes = 183_211,
            ContentType = "image/jpeg",
            Width = 1024,
            Height = 768,
            Format = "Jpeg",
            ModelSource = "Salesforce/blip-image-captioning-base",
            ModelPrecision = "fp32",
            Decoding = "{\"maxLength\":20,\"minLength\":0,\"numBeams\":1,\"repetitionPenalty\":1,\"prompt\":null}",
            DecodeMs = 3.1, PreprocessMs = 4.2, VisionMs = 120.5, GenerateMs = 80.2, TotalMs = 208.0, Steps = 9,
            TagsApplied = true,
            KeywordsIndexed = true,
            Attempts = 1,
            CreatedAt = now,
            UpdatedAt = now,
        };
    }

    // The caption row as the table stores it: the same properties the index copies.
    private static TableEntity AsEntity(CaptionEntity row)
    {
        var entity = new TableEntity(row.PartitionKey, row.RowKey);
        foreach (var property in typeof(CaptionEntity).GetProperties())
        {
            if (property.Name is not ("PartitionKey" or "RowKey" or "Timestamp" or "ETag") && property.GetValue(row) is { } value)
            {
                entity[property.Name] = value;
            }
        }

        return entity;
    }

    private static double[] ZipfCumulative()
    {
        double[] weights = Enumerable.Range(1, Vocabulary).Select(r => 1.0 / r).ToArray();
        double total = weights.Sum();
        double[] cumulative = new double[Vocabulary];
        double running = 0;
        for (int i = 0; i < Vocabulary; i++)
        {
            running += weights[i] / total;
            cumulative[i] = running;
        }

        return cumulative;
    }

    private static List<string> Draw(Random random, double[] cumulative)
    {
        var words = new List<string>(KeywordsPerCaption);
        while (words.Count < KeywordsPerCaption)
        {
            int index = Array.BinarySearch(cumulative, random.NextDouble());
            string word = "w" + ((index < 0 ? ~index : index) + 1).ToString(CultureInfo.InvariantCulture);
            if (!words.Contains(word))
            {
                words.Add(word);
            }
        }

        return words;
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }
}

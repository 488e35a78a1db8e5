// Keyword search cost as the library grows: loads N captions (4 keywords each, Zipf-distributed over 1,000 words)
// into a fresh table on a private in-memory Azurite, then times searches and counts their storage round trips.
//   dotnet run --project bench/BlipFunctions.SearchBench -c Release -- 1000 100000
// --index-only loads the index entries alone (a search reads nothing else), which is what makes 100,000 captions
// loadable in reasonable time on Azurite (a few hundred entities a second on a shared 2-core machine).
// Azurite comes from the repository's node_modules (`npm ci`). Figures are Azurite's, on whatever machine runs this:
// the round-trip counts carry over to Azure; the milliseconds do not.
using System.Diagnostics;
using System.Globalization;
using BlipCaptioning.Testing;
using BlipFunctions.SearchBench;
using BlipFunctions.Testing;

if (args.Length == 4 && args[0] == "--attach")
{
    // --attach CONNECTION SIZE REPEATS: measure again on a table an earlier run loaded (Azurite still up), cheapest
    // queries first, so that a slow Azurite gives the rare-keyword figures before the many-page ones.
    int attachedSize = int.Parse(args[2], CultureInfo.InvariantCulture);
    var attached = new SearchLibrary(args[1], attachedSize, withCaptionRows: false);
    Console.WriteLine($"\n{attachedSize:N0} captions (attached):");
    Console.WriteLine("query                                   hits   round trips   first page ms   all pages ms   (median)");
    foreach ((string label, string[] keywords, int top) in SearchLibrary.Queries.Reverse())
    {
        SearchCost cost = await attached.MeasureAsync(keywords, top, repeats: int.Parse(args[3], CultureInfo.InvariantCulture));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{label,-38} {cost.Hits,6:N0} {cost.RoundTrips,13:N0} {cost.FirstPageMs,15:F1} {cost.AllPagesMs,14:F1}"));
    }

    return;
}

bool indexOnly = args.Contains("--index-only");
int[] sizes = args.Any(a => a != "--index-only") ? args.Where(a => a != "--index-only").Select(a => int.Parse(a, CultureInfo.InvariantCulture)).ToArray() : [1_000, 100_000];
using var azurite = await AzuriteProcess.StartAsync(RepositoryPaths.Root);
Console.WriteLine($"Azurite {azurite.ConnectionString.Split(';').First(p => p.StartsWith("TableEndpoint", StringComparison.Ordinal))}");
foreach (int size in sizes)
{
    var library = new SearchLibrary(azurite.ConnectionString, size, withCaptionRows: !indexOnly);
    Stopwatch load = Stopwatch.StartNew();
    (int rows, int entries) = await library.LoadAsync();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"\n{size:N0} captions: loaded {rows:N0} rows + {entries:N0} index entries in {load.Elapsed.TotalSeconds:F1} s ({(rows + entries) / load.Elapsed.TotalSeconds:N0} entities/s)"));
    Console.WriteLine("query                                   hits   round trips   first page ms   all pages ms   (median of 5)");
    foreach ((string label, string[] keywords, int top) in SearchLibrary.Queries)
    {
        SearchCost cost = await library.MeasureAsync(keywords, top, repeats: 5);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{label,-38} {cost.Hits,6:N0} {cost.RoundTrips,13:N0} {cost.FirstPageMs,15:F1} {cost.AllPagesMs,14:F1}"));
    }
}

using System.Globalization;
using System.Text.Json;
using BlipFunctions.Bench;
using BlipFunctions.Testing;

const string Usage = """
    blip-functions-bench: the Functions app's throughput and cold start on a real Azurite (docs/performance.md).

    Usage (from the repository, after `npm ci` and a Release build):
      dotnet bench/BlipFunctions.Bench/bin/Release/net10.0/blip-functions-bench.dll burst --model DIR [options]
      dotnet bench/BlipFunctions.Bench/bin/Release/net10.0/blip-functions-bench.dll cold-start --model DIR [options]
      dotnet bench/BlipFunctions.Bench/bin/Release/net10.0/blip-functions-bench.dll reconcile --model DIR [options]

    burst        uploads N images at once and captions them through CaptionBlobFunction until every row exists;
                 prints images/minute, upload-to-row p50/p95 and peak RSS.
      --images N               images in the burst (default 200)
      --parallelism P          function invocations at once (default: host.json extensions.blobs.maxDegreeOfParallelism)
      --max-concurrency M      Captioning__MaxConcurrency (default 1, the app's default)
      --intra-op-threads T     Captioning__IntraOpThreads (default 0 = one per CPU, the app's default)
    cold-start   copies the model from the models container (Azurite) the app's way and with parallel ranged
                 downloads, side by side; then session creation and the first caption through the function.
      --copy-rounds R          copies of each kind, alternating (default 3)
      --ranged-concurrency C   ranges in flight per file (default 8)
    reconcile    a reconcile's listing over N blobs (ReconcileRunner): first with no rows (every blob queued), then
                 with every row up to date (nothing queued); prints time, blobs/s and storage requests per blob.
      --blobs N                blobs in the container (default 10000)
      --page-size S            Reconcile__PageSize (default 1000)
      --reconcile-parallelism P  Reconcile__Parallelism (default 16)
    All:
      --model DIR              a model folder (`blip model random --preset base --out DIR`; int8: `blip model build --precision int8`)
      --json                   end with one line holding a JSON object of the figures
    """;

try
{
    if (args.Length == 0 || args[0] is "-h" or "--help" || args[0] is not ("burst" or "cold-start" or "reconcile"))
    {
        Console.Error.WriteLine(Usage);
        return args.Length > 0 && args[0] is "-h" or "--help" ? 0 : 1;
    }

    var options = new Dictionary<string, string>(StringComparer.Ordinal);
    bool json = false;
    for (int i = 1; i < args.Length; i++)
    {
        if (args[i] == "--json")
        {
            json = true;
        }
        else if (args[i].StartsWith("--", StringComparison.Ordinal) && i + 1 < args.Length)
        {
            options[args[i][2..]] = args[++i];
        }
        else
        {
            throw new BenchUsageException($"Unexpected argument '{args[i]}'. Run with --help for the options.");
        }
    }

    string model = options.TryGetValue("model", out string? m) ? Path.GetFullPath(m) : throw new BenchUsageException("--model DIR is required (a model folder holding blip-model.json).");
    if (!File.Exists(Path.Combine(model, "blip-model.json")))
    {
        throw new BenchUsageException($"{model} holds no blip-model.json: make a model with `blip model random --preset base --out DIR`.");
    }

    string repository = RepositoryFolder.Find();
    if (!File.Exists(AzuriteProcess.ExecutableIn(repository)))
    {
        throw new BenchUsageException($"Azurite is not installed ({AzuriteProcess.ExecutableIn(repository)} is missing): run `npm ci` in {repository} first.");
    }

    using var azurite = await AzuriteProcess.StartAsync(repository);
    if (args[0] == "burst")
    {
        var burst = new BurstOptions(
            model,
            Number("images", 200, 1, 100_000),
            Number("parallelism", HostJson.MaxDegreeOfParallelism(repository), 1, 64),
            Number("max-concurrency", 1, 1, 64),
            Number("intra-op-threads", 0, 0, 256));
        Check("images", "parallelism", "max-concurrency", "intra-op-threads");
        BurstResult result = await new BurstScenario(burst, azurite).RunAsync(CancellationToken.None);
        result.Print(Console.Out);
        if (json)
        {
            Console.WriteLine(result.ToJson().ToJsonString());
        }

        return result.Rows == burst.Images ? 0 : 2;
    }

    if (args[0] == "reconcile")
    {
        var reconcile = new ReconcileBenchOptions(model, Number("blobs", 10_000, 1, 1_000_000), Number("page-size", 1000, 1, 1000), Number("reconcile-parallelism", 16, 1, 64));
        Check("blobs", "page-size", "reconcile-parallelism");
        await new ReconcileScenario(reconcile, azurite).RunAsync(CancellationToken.None);
        return 0;
    }

    var coldStart = new ColdStartOptions(model, Number("copy-rounds", 3, 1, 50), Number("ranged-concurrency", 8, 1, 64));
    Check("copy-rounds", "ranged-concurrency");
    ColdStartResult cold = await new ColdStartScenario(coldStart, azurite).RunAsync(CancellationToken.None);
    cold.Print(Console.Out);
    if (json)
    {
        Console.WriteLine(cold.ToJson().ToJsonString());
    }

    return 0;

    int Number(string name, int fallback, int min, int max)
    {
        if (!options.TryGetValue(name, out string? text))
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value >= min && value <= max
            ? value
            : throw new BenchUsageException($"--{name} is '{text}'; use a whole number from {min} to {max}.");
    }

    void Check(params string[] known)
    {
        string? unknown = options.Keys.FirstOrDefault(k => k != "model" && !known.Contains(k));
        if (unknown is not null)
        {
            throw new BenchUsageException($"--{unknown} is not an option of {args[0]}. Run with --help for the options.");
        }
    }
}
catch (BenchUsageException e)
{
    Console.Error.WriteLine("blip-functions-bench: " + e.Message);
    return 1;
}
catch (JsonException e)
{
    Console.Error.WriteLine("blip-functions-bench: host.json could not be read: " + e.Message);
    return 1;
}

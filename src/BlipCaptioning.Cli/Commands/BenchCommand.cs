using System.CommandLine;
using System.Globalization;
using BlipCaptioning.Cli.Benchmarking;
using BlipCaptioning.Cli.Inputs;
using Microsoft.ML.OnnxRuntime;

namespace BlipCaptioning.Cli.Commands;

/// <summary>
/// <c>blip bench --model DIR [--images PATH...] [--runs N] [--threads 1,2] [--json]</c>: measures a model on this
/// machine (stages, threads, concurrency, batches, the naive baseline, cold start, peak memory) against the machine's
/// measured matrix-product floor. docs/performance.md explains every figure.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m")
        {
            Description = $"The model directory (fp32 or int8; made by `blip model random|build|fetch`). Default: {ModelLocation.Description}.",
            DefaultValueFactory = _ => ModelLocation.Resolve(),
        };
        var images = new Option<string[]>("--images")
        {
            Description = "Image files, folders or globs to caption (default: four synthesized photo-sized images, 640x480 to 1920x1080).",
            AllowMultipleArgumentsPerToken = true,
        };
        var runs = new Option<int>("--runs")
        {
            Description = "Captions measured one at a time at the largest thread count (other thread counts run a third as many).",
            DefaultValueFactory = _ => 20,
        };
        var threads = new Option<string[]>("--threads")
        {
            Description = "ONNX Runtime intra-op thread counts to measure, e.g. 1,2 (default: 1 and the number of logical CPUs). The largest is the main scenario.",
            AllowMultipleArgumentsPerToken = true,
        };
        var concurrency = new Option<string[]>("--concurrency")
        {
            Description = "Captions at once on one shared model, each session with CPUs / N threads (default: 2; 1 skips).",
            AllowMultipleArgumentsPerToken = true,
        };
        var batches = new Option<string[]>("--batch")
        {
            Description = "Batch sizes for one CaptionBatchAsync call at the app's default settings (default: 1,2,4).",
            AllowMultipleArgumentsPerToken = true,
        };
        var naiveRuns = new Option<int>("--naive-runs")
        {
            Description = "Captions of each naive baseline without caches (0 skips them).",
            DefaultValueFactory = _ => 3,
        };
        var noColdStart = new Option<bool>("--no-cold-start") { Description = "Skip the cold-start measurement (a child process)." };
        var floorRuns = new Option<int>("--floor-runs")
        {
            Description = "Timed runs of each floor matrix product (median reported).",
            DefaultValueFactory = _ => 30,
        };
        var session = new Option<string[]>("--session")
        {
            Description = "An ONNX Runtime session config entry KEY=VALUE for every session, e.g. session.intra_op.allow_spinning=0 (repeatable).",
        };
        var arena = new Option<string?>("--arena") { Description = "Turn ONNX Runtime's CPU memory arena on or off (default: the runtime's setting)." };
        arena.AcceptOnlyFromAmong("on", "off");
        var optimization = new Option<string?>("--optimization") { Description = "Graph optimisation level (default: the runtime's setting)." };
        optimization.AcceptOnlyFromAmong(BenchCommandNames.OptimizationNames);
        var compare = new Option<string?>("--compare")
        {
            Description = "A/B instead of the full bench: load the model twice, as given (A) and with one change (B), and alternate captions between them: threads=N, spinning=0|1, pool=shared|session, arena=on|off, optimization=LEVEL or an ONNX Runtime session entry KEY=VALUE.",
        };
        var json = new Option<bool>("--json") { Description = "End the report with one line holding a JSON object of every figure." };
        var noCache = new Option<bool>("--no-ort-cache") { Description = "Skip the cold starts that write and then load ONNX Runtime's optimised graphs from disk." };
        var writeOptimized = new Option<string?>("--write-optimized") { Description = "Internal: the probe writes ONNX Runtime's optimised graphs here.", Hidden = true };
        var probe = new Option<string?>("--probe") { Description = "Internal: run one measurement probe in this process (cold-start).", Hidden = true };

        var command = new Command("bench", "Measure a model on this machine: per-stage median and p90 times, captions per second and GFLOP/s against the measured machine floor, threads, concurrent captions, batches, the naive no-cache baseline, cold start and peak memory. Takes a few minutes on BLIP base.")
        {
            model, images, runs, threads, concurrency, batches, naiveRuns, noColdStart, noCache, floorRuns, session, arena, optimization, compare, json, writeOptimized, probe,
        };
        command.SetAction((parse, cancellationToken) => UserErrors.RunAsync(async () =>
        {
            var options = new BenchOptions
            {
                ModelDirectory = parse.GetValue(model)!,
                ImageFiles = ExpandImages(parse.GetValue(images)),
                Runs = Positive(parse.GetValue(runs), "--runs"),
                Threads = ParseList(parse.GetValue(threads), "--threads", BenchOptions.DefaultThreads(), minimum: 1),
                Concurrency = ParseList(parse.GetValue(concurrency), "--concurrency", [2], minimum: 1, maximum: CaptioningOptions.MaxConcurrencyLimit),
                BatchSizes = ParseList(parse.GetValue(batches), "--batch", [1, 2, 4], minimum: 1),
                NaiveRuns = NotNegative(parse.GetValue(naiveRuns), "--naive-runs"),
                ColdStart = !parse.GetValue(noColdStart),
                ColdStartCache = !parse.GetValue(noCache),
                WriteOptimizedDirectory = parse.GetValue(writeOptimized),
                FloorRuns = Positive(parse.GetValue(floorRuns), "--floor-runs"),
                SessionEntries = ParseEntries(parse.GetValue(session)),
                Arena = parse.GetValue(arena) is { } a ? a == "on" : null,
                OptimizationLevel = parse.GetValue(optimization) is { } o ? BenchCommandNames.OptimizationLevel(o) : null,
            };

            if (parse.GetValue(probe) is { } probeName)
            {
                return probeName == ColdStart.ProbeName
                    ? await ColdStart.ProbeAsync(options, Console.Out, cancellationToken)
                    : throw new ArgumentException($"Unknown probe '{probeName}'.");
            }

            if (parse.GetValue(compare) is { } change)
            {
                var comparison = await new BenchRunner(options, Console.Error).CompareAsync(BenchComparison.Parse(change), cancellationToken);
                await Console.Out.WriteAsync(BenchReport.Text(comparison));
                if (parse.GetValue(json))
                {
                    await Console.Out.WriteLineAsync(BenchReport.Json(comparison));
                }

                return 0;
            }

            var results = await new BenchRunner(options, Console.Error).RunAsync(cancellationToken);
            await Console.Out.WriteAsync(BenchReport.Text(results));
            if (parse.GetValue(json))
            {
                await Console.Out.WriteLineAsync(BenchReport.Json(results));
            }

            return 0;
        }));
        return command;
    }

    private static IReadOnlyList<string> ExpandImages(string[]? arguments)
    {
        if (arguments is not { Length: > 0 })
        {
            return [];
        }

        var notes = new WalkNotes();
        var (files, unmatched) = ImagePaths.Expand(arguments, includeTiff: false, notes);
        foreach (string note in notes.All)
        {
            Console.Error.WriteLine($"blip: note: {note}");
        }

        if (unmatched.Count > 0)
        {
            throw new ArgumentException($"--images: {string.Join(", ", unmatched)}: no such file, folder or matching glob.");
        }

        return files.Count > 0 ? files : throw new ArgumentException("--images matched no image files.");
    }

    internal static IReadOnlyList<int> ParseList(string[]? values, string option, IReadOnlyList<int> fallback, int minimum, int maximum = 256)
    {
        if (values is not { Length: > 0 })
        {
            return fallback;
        }

        var list = new List<int>();
        foreach (string part in values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            if (!int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) || value < minimum || value > maximum)
            {
                throw new ArgumentException($"{option}: '{part}' is not a whole number from {minimum} to {maximum}.");
            }

            list.Add(value);
        }

        return list.Count > 0 ? list : throw new ArgumentException($"{option} needs at least one number.");
    }

    private static Dictionary<string, string> ParseEntries(string[]? values)
    {
        var entries = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string entry in values ?? [])
        {
            int equals = entry.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new ArgumentException($"--session: '{entry}' is not KEY=VALUE (e.g. session.intra_op.allow_spinning=0).");
            }

            entries[entry[..equals].Trim()] = entry[(equals + 1)..].Trim();
        }

        return entries;
    }

    private static int Positive(int value, string option) =>
        value >= 1 ? value : throw new ArgumentException($"{option} is {value}; use 1 or more.");

    private static int NotNegative(int value, string option) =>
        value >= 0 ? value : throw new ArgumentException($"{option} is {value}; use 0 or more.");
}

/// <summary>The command line's names for ONNX Runtime's graph optimisation levels.</summary>
internal static class BenchCommandNames
{
    public static readonly string[] OptimizationNames = ["disable", "basic", "extended", "all"];

    public static GraphOptimizationLevel OptimizationLevel(string name) => name switch
    {
        "disable" => GraphOptimizationLevel.ORT_DISABLE_ALL,
        "basic" => GraphOptimizationLevel.ORT_ENABLE_BASIC,
        "extended" => GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
        _ => GraphOptimizationLevel.ORT_ENABLE_ALL,
    };

    public static string OptimizationName(GraphOptimizationLevel level) => level switch
    {
        GraphOptimizationLevel.ORT_DISABLE_ALL => "disable",
        GraphOptimizationLevel.ORT_ENABLE_BASIC => "basic",
        GraphOptimizationLevel.ORT_ENABLE_EXTENDED => "extended",
        _ => "all",
    };
}

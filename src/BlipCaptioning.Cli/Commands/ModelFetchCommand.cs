using System.CommandLine;
using System.Diagnostics;
using BlipCaptioning.Conversion.Building;
using BlipCaptioning.Conversion.Checkpoints;
using BlipCaptioning.Conversion.Hub;

namespace BlipCaptioning.Cli.Commands;

/// <summary>
/// <c>blip model fetch</c>: downloads a BLIP checkpoint from the Hugging Face hub into the huggingface_hub cache
/// (resumable, verified, reused offline), then builds the ONNX model folder from it.
/// </summary>
internal static class ModelFetchCommand
{
    /// <summary>The precisions BlipModelBuilder can write today, checked before anything is downloaded.</summary>
    private static readonly string[] AvailablePrecisions = ["fp32", "int8"];

    public static Command Create()
    {
        var repo = new Option<string>("--repo")
        {
            Description = "The hub repo (owner/name) to fetch.",
            DefaultValueFactory = _ => CheckpointFetcher.DefaultRepo,
        };
        var revision = new Option<string>("--revision")
        {
            Description = "Branch, tag or 40-digit commit to fetch; pin a commit for reproducible builds.",
            DefaultValueFactory = _ => CheckpointFetcher.DefaultRevision,
        };
        var cacheDir = new Option<string?>("--cache-dir")
        {
            Description = "The hub cache folder. Default: $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub (shared with huggingface_hub).",
        };
        var token = new Option<string?>("--token")
        {
            Description = "A Hugging Face access token for gated or private repos (default: $HF_TOKEN). Never printed.",
        };
        var output = new Option<string>("--out", "-o")
        {
            Description = $"The model folder to build (replaced if it exists). Default: the folder blip caption uses without --model: {ModelLocation.Description}.",
            DefaultValueFactory = _ => ModelLocation.Resolve(),
        };
        var precision = new Option<string>("--precision")
        {
            Description = "Weight precision of the built graphs: fp32 (token-for-token the same captions as transformers) or int8 (about a quarter of the size and about 2x faster on CPU; captions close to fp32's but not always equal).",
            DefaultValueFactory = _ => "fp32",
        };
        precision.AcceptOnlyFromAmong(AvailablePrecisions);
        var fetchOnly = new Option<bool>("--fetch-only") { Description = "Only fetch the checkpoint into the cache and print its folder; do not build." };

        var command = new Command("fetch", "Download a BLIP checkpoint from the Hugging Face hub (HF_ENDPOINT, HF_TOKEN honoured) into the local hub cache, then build the ONNX model folder from it. Cached files are not downloaded again, interrupted downloads resume, and without network a complete cached snapshot is used.")
        {
            repo, revision, cacheDir, token, output, precision, fetchOnly,
        };
        command.SetAction((parse, cancellationToken) => UserErrors.RunAsync(async () =>
        {
            var options = HubOptions.FromEnvironment();
            if (parse.GetValue(cacheDir) is { Length: > 0 } cache)
            {
                options.CacheDirectory = cache;
            }

            if (parse.GetValue(token) is { Length: > 0 } given)
            {
                options.Token = given;
            }

            var build = parse.GetValue(fetchOnly) ? null : new BuildRequest(parse.GetValue(output)!, ParsePrecision(parse.GetValue(precision)!));
            return await RunAsync(options, parse.GetValue(repo)!, parse.GetValue(revision)!, build, cancellationToken);
        }));
        return command;
    }

    private static ModelPrecision ParsePrecision(string value) => Enum.Parse<ModelPrecision>(value, ignoreCase: true);

    private static async Task<int> RunAsync(
        HubOptions options, string repo, string revision, BuildRequest? build, CancellationToken cancellationToken)
    {
        using var fetcher = new CheckpointFetcher(options);
        await Console.Error.WriteLineAsync(options.Offline
            ? $"Looking up {repo}@{revision} in {fetcher.Cache.Root} (HF_HUB_OFFLINE is set)"
            : $"Fetching {repo}@{revision} from {options.Endpoint} into {fetcher.Cache.Root}");
        var result = await ConsoleProgress.RunAsync(progress => fetcher.FetchAsync(repo, revision, files: null, progress, cancellationToken));
        if (result.UsedOfflineCache)
        {
            await Console.Error.WriteLineAsync($"Offline: {result.OfflineReason}; using the cached snapshot of commit {result.Commit}.");
        }
        else
        {
            var downloads = result.DownloadedFiles switch
            {
                0 => $"all {result.Files.Count} files were already in the cache",
                var n when n == result.Files.Count => $"all {n} files downloaded",
                var n => $"{n} of {result.Files.Count} files downloaded, the rest were already in the cache",
            };
            await Console.Error.WriteLineAsync($"{repo}@{revision} is commit {result.Commit}: {downloads}.");
        }

        await Console.Error.WriteLineAsync($"Checkpoint: {result.SnapshotDirectory} ({string.Join(", ", result.Files)})");
        if (build is null)
        {
            await Console.Out.WriteLineAsync(result.SnapshotDirectory);
            return 0;
        }

        var outputDirectory = Path.GetFullPath(build.OutputDirectory);
        await Console.Error.WriteLineAsync($"Building the {build.Precision.ToString().ToLowerInvariant()} ONNX model into {outputDirectory} ...");
        var stopwatch = Stopwatch.StartNew();
        await Task.Run(() => BlipModelBuilder.Build(CheckpointLoader.Load(result.SnapshotDirectory), outputDirectory, build.Precision, cancellationToken), cancellationToken);
        await Console.Error.WriteLineAsync($"Built {outputDirectory} in {stopwatch.Elapsed.TotalSeconds:0.0} s from {repo}@{result.Commit}.");
        await Console.Error.WriteLineAsync(ModelBuildReport.HowToCaption(outputDirectory));
        await Console.Out.WriteLineAsync(outputDirectory);
        return 0;
    }

    private sealed record BuildRequest(string OutputDirectory, ModelPrecision Precision);
}

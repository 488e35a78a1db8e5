using System.CommandLine;
using BlipCaptioning.Conversion.Hub;

namespace BlipCaptioning.Cli.Commands;

/// <summary>
/// <c>blip model fetch</c>: downloads a BLIP checkpoint from the Hugging Face hub into the huggingface_hub cache
/// (resumable, verified, reused offline) and prints where its snapshot folder is.
/// </summary>
internal static class ModelFetchCommand
{
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

        var command = new Command("fetch", "Download a BLIP checkpoint from the Hugging Face hub (HF_ENDPOINT, HF_TOKEN honoured) into the local hub cache; already cached files are not downloaded again, interrupted downloads resume, and without network a complete cached snapshot is used.")
        {
            repo, revision, cacheDir, token,
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

            return await RunAsync(options, parse.GetValue(repo)!, parse.GetValue(revision)!, cancellationToken);
        }));
        return command;
    }

    private static async Task<int> RunAsync(HubOptions options, string repo, string revision, CancellationToken cancellationToken)
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
            await Console.Error.WriteLineAsync($"{repo}@{revision} is commit {result.Commit}: {result.DownloadedFiles} of {result.Files.Count} files downloaded, the rest were already cached.");
        }

        await Console.Error.WriteLineAsync($"Checkpoint files: {string.Join(", ", result.Files)}");
        await Console.Out.WriteLineAsync(result.SnapshotDirectory);
        return 0;
    }
}

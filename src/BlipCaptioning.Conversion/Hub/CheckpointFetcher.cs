namespace BlipCaptioning.Conversion.Hub;

/// <summary>
/// Fetches a checkpoint's files from the Hugging Face hub into the huggingface_hub cache and returns the snapshot
/// folder. Files already in the cache are not downloaded again; interrupted downloads resume; every file is checked
/// against the hub's size and (for LFS files) SHA-256. When the hub cannot be reached, a complete cached snapshot
/// of the revision is used instead, and the result says so.
/// </summary>
public sealed class CheckpointFetcher : IDisposable
{
    /// <summary>The BLIP captioning checkpoint this project is built around.</summary>
    public const string DefaultRepo = "Salesforce/blip-image-captioning-base";

    /// <summary>The branch fetched when no revision is given.</summary>
    public const string DefaultRevision = "main";

    private readonly HubOptions _options;
    private readonly HubClient _client;
    private readonly HubFileDownloader _downloader;

    public CheckpointFetcher(HubOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _client = new HubClient(options);
        _downloader = new HubFileDownloader(_client, options);
        Cache = new HubCache(options.CacheDirectory);
    }

    /// <summary>The cache the files go to.</summary>
    public HubCache Cache { get; }

    /// <summary>
    /// Fetches <paramref name="files"/> (default: <see cref="CheckpointFileSet.Blip"/>) of <paramref name="repo"/> at
    /// <paramref name="revision"/> (a branch, tag or commit) and returns the complete snapshot folder.
    /// </summary>
    /// <exception cref="HubException">Access refused, repo/revision/file not found, hub unreachable without a cached
    /// snapshot, or a download that does not match the hub's size or SHA-256.</exception>
    public async Task<FetchedCheckpoint> FetchAsync(
        string repo = DefaultRepo,
        string revision = DefaultRevision,
        CheckpointFileSet? files = null,
        IProgress<DownloadProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        HubClient.ValidateRepo(repo);
        HubClient.ValidateRevision(revision);
        files ??= CheckpointFileSet.Blip;
        if (_options.Offline)
        {
            return FromCache(repo, revision, files, "HF_HUB_OFFLINE is set", innerException: null);
        }

        HubRevisionInfo info;
        try
        {
            info = await _client.GetRevisionAsync(repo, revision, cancellationToken);
        }
        catch (HubException ex) when (ex.IsUnreachable)
        {
            return FromCache(repo, revision, files, $"the hub could not be reached ({ex.Message})", ex);
        }

        var commit = info.Commit;
        var snapshot = Cache.SnapshotFolder(repo, commit);
        var selected = files.SelectFrom([.. info.Siblings.Select(s => s.FileName)], repo, revision);
        var downloaded = 0;
        foreach (var fileName in selected)
        {
            if (await EnsureFileAsync(repo, commit, info.Find(fileName)!, progress, cancellationToken))
            {
                downloaded++;
            }
        }

        Cache.WriteRef(repo, revision, commit);
        return new FetchedCheckpoint(snapshot, repo, revision, commit, selected, downloaded, OfflineReason: null);
    }

    public void Dispose() => _client.Dispose();

    /// <summary>Makes <c>snapshots/{commit}/{file}</c> present and verified; true when it had to be downloaded.</summary>
    private async Task<bool> EnsureFileAsync(
        string repo, string commit, HubSibling sibling, IProgress<DownloadProgress>? progress, CancellationToken cancellationToken)
    {
        var fileName = sibling.FileName;
        var snapshotFile = Cache.SnapshotFile(repo, commit, fileName);
        var size = sibling.ContentSize;
        var sha256 = sibling.Lfs?.Sha256.ToLowerInvariant();
        var blobKey = sha256 ?? sibling.BlobId;
        if (blobKey is null || size is null)
        {
            var metadata = await _client.GetFileMetadataAsync(repo, commit, fileName, cancellationToken);
            blobKey ??= metadata.ETag;
            size ??= metadata.Size;
            sha256 ??= metadata.Sha256;
        }

        if (blobKey is null)
        {
            throw new HubException($"The hub gave no ETag or hash for '{fileName}' in {repo}@{commit}, so it cannot be cached.");
        }

        var blob = Cache.BlobPath(repo, blobKey);
        if (LengthOf(snapshotFile) is { } snapshotLength && LengthOf(blob) == snapshotLength && (size is null || size == snapshotLength))
        {
            progress?.Report(new DownloadProgress(fileName, snapshotLength, snapshotLength, FromCache: true));
            return false;
        }

        var downloaded = false;
        if (LengthOf(blob) is { } blobLength && (size is null || size == blobLength))
        {
            progress?.Report(new DownloadProgress(fileName, blobLength, blobLength, FromCache: true));
        }
        else
        {
            await _downloader.DownloadAsync(repo, commit, fileName, size, sha256, blob, progress, cancellationToken);
            downloaded = true;
        }

        HubCache.LinkSnapshotFile(blob, snapshotFile);
        return downloaded;
    }

    private FetchedCheckpoint FromCache(
        string repo, string revision, CheckpointFileSet files, string reason, Exception? innerException)
    {
        var commit = HubCache.IsCommit(revision) ? revision : Cache.ReadRef(repo, revision);
        var found = commit is null ? null : files.FindCompleteIn(Cache.SnapshotFolder(repo, commit));
        if (commit is null || found is null)
        {
            throw new HubException(
                $"{Capitalized(reason)}, and the cache {Cache.Root} holds no complete snapshot of {repo}@{revision}: connect to the network (or check HF_ENDPOINT) and run again.",
                innerException);
        }

        return new FetchedCheckpoint(Cache.SnapshotFolder(repo, commit), repo, revision, commit, found, DownloadedFiles: 0, reason);
    }

    /// <summary>The length of the file at <paramref name="path"/> (following links), or null when it is not there.</summary>
    private static long? LengthOf(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return stream.Length;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    private static string Capitalized(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
}

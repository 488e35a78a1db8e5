using System.Text.RegularExpressions;

namespace BlipCaptioning.Conversion.Hub;

/// <summary>
/// The huggingface_hub cache layout under one cache folder, so that Python and this tool share downloads:
/// <c>models--{owner}--{name}/blobs/{sha256-or-etag}</c>, <c>snapshots/{commit}/{file}</c> (a relative symlink to
/// the blob, or a copy where links are not allowed) and <c>refs/{revision}</c> holding the commit.
/// </summary>
public sealed partial class HubCache
{
    /// <param name="root">The cache folder, e.g. <see cref="HubOptions.CacheDirectory"/>.</param>
    public HubCache(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        Root = Path.GetFullPath(root);
    }

    /// <summary>The cache folder.</summary>
    public string Root { get; }

    /// <summary><c>{root}/models--{owner}--{name}</c>.</summary>
    public string RepoFolder(string repo) => Path.Combine(Root, "models--" + repo.Replace("/", "--", StringComparison.Ordinal));

    /// <summary>Where a blob named by its SHA-256 or ETag lives.</summary>
    public string BlobPath(string repo, string blobKey)
    {
        if (!BlobKeyPattern().IsMatch(blobKey))
        {
            throw new HubException($"The hub named a file's content '{blobKey}', which is not a hash or ETag that can name a cache file.");
        }

        return Path.Combine(RepoFolder(repo), "blobs", blobKey);
    }

    /// <summary><c>snapshots/{commit}</c>.</summary>
    public string SnapshotFolder(string repo, string commit)
    {
        if (!IsCommit(commit))
        {
            throw new HubException($"The hub gave '{commit}' as the commit, which is not a 40-digit git commit hash.");
        }

        return Path.Combine(RepoFolder(repo), "snapshots", commit);
    }

    /// <summary><c>snapshots/{commit}/{file}</c>.</summary>
    public string SnapshotFile(string repo, string commit, string fileName) =>
        Path.Combine(SnapshotFolder(repo, commit), SafeRelativePath(fileName));

    /// <summary>The commit <c>refs/{revision}</c> records, or null when the revision was never fetched.</summary>
    public string? ReadRef(string repo, string revision)
    {
        var path = RefPath(repo, revision);
        if (!File.Exists(path))
        {
            return null;
        }

        var commit = File.ReadAllText(path).Trim();
        return IsCommit(commit) ? commit : null;
    }

    /// <summary>Records that <paramref name="revision"/> points at <paramref name="commit"/> (skipped when they are equal).</summary>
    public void WriteRef(string repo, string revision, string commit)
    {
        if (revision == commit)
        {
            return;
        }

        var path = RefPath(repo, revision);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, commit);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>
    /// Points <c>snapshots/{commit}/{file}</c> at the blob: a relative symlink like huggingface_hub's, or a copy when
    /// the file system refuses links.
    /// </summary>
    public static void LinkSnapshotFile(string blobPath, string snapshotFile)
    {
        var folder = Path.GetDirectoryName(snapshotFile)!;
        Directory.CreateDirectory(folder);
        File.Delete(snapshotFile);
        try
        {
            File.CreateSymbolicLink(snapshotFile, Path.GetRelativePath(folder, blobPath));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            File.Copy(blobPath, snapshotFile, overwrite: true);
        }
    }

    /// <summary>True for a 40-digit lowercase hex git commit hash.</summary>
    public static bool IsCommit(string value) => CommitPattern().IsMatch(value);

    private string RefPath(string repo, string revision)
    {
        HubClient.ValidateRevision(revision);
        return Path.Combine(RepoFolder(repo), "refs", SafeRelativePath(revision));
    }

    private static string SafeRelativePath(string path)
    {
        var parts = path.Split('/');
        if (path.Length == 0 || Path.IsPathRooted(path) || path.Contains('\\', StringComparison.Ordinal)
            || parts.Any(p => p is "" or "." or ".."))
        {
            throw new HubException($"'{path}' is not a safe relative path inside the cache.");
        }

        return Path.Combine(parts);
    }

    [GeneratedRegex("^[0-9a-f]{40}$")]
    private static partial Regex CommitPattern();

    [GeneratedRegex("^[A-Za-z0-9_-]{1,128}$")]
    private static partial Regex BlobKeyPattern();
}

namespace BlipCaptioning.Conversion.Hub;

/// <summary>The result of a fetch: a complete snapshot folder in the local cache.</summary>
/// <param name="SnapshotDirectory">The folder holding the checkpoint's files (<c>snapshots/{commit}</c>).</param>
/// <param name="Repo">The repo id.</param>
/// <param name="Revision">The revision asked for (branch, tag or commit).</param>
/// <param name="Commit">The commit that revision resolved to.</param>
/// <param name="Files">The files in the snapshot, relative to it.</param>
/// <param name="DownloadedFiles">How many files were downloaded now (0 when all came from the cache).</param>
/// <param name="OfflineReason">Null when the hub was asked; else why the cached snapshot was used without asking it.</param>
public sealed record FetchedCheckpoint(
    string SnapshotDirectory,
    string Repo,
    string Revision,
    string Commit,
    IReadOnlyList<string> Files,
    int DownloadedFiles,
    string? OfflineReason)
{
    /// <summary>True when the hub was not reached and the cached snapshot was used as it is.</summary>
    public bool UsedOfflineCache => OfflineReason is not null;
}

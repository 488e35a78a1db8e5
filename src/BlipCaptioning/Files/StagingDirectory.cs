using System.Text.RegularExpressions;

namespace BlipCaptioning.Files;

/// <summary>
/// A hidden working folder beside a target folder (<c>.&lt;name&gt;.&lt;kind&gt;-&lt;32 hex digits&gt;</c>) where a
/// model is written or copied before it is moved into place. The process holds an exclusive lock on a file beside it
/// (<c>…-&lt;hex&gt;.lock</c>) until it is disposed; a process that is killed cannot delete its folder, but its lock
/// goes with it, so the next folder made for the same target and kind removes the ones nobody holds any more.
/// </summary>
/// <remarks>
/// Only folders of this exact name pattern, for the same target and kind, are ever removed, and only when their lock
/// file is not held (or they have none) and neither changed for <see cref="StaleAfter"/>: a folder another process is
/// still creating is left alone. The lock is .NET's FileShare.None, an flock on Linux and macOS (turned off by
/// DOTNET_SYSTEM_IO_DISABLEFILELOCKING, which makes a live folder unchanged for that long look stale).
/// </remarks>
public sealed partial class StagingDirectory : IDisposable
{
    /// <summary>How long a folder or lock file must have been left unchanged before it may be taken as abandoned.</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(10);

    private const string LockSuffix = ".lock";

    private readonly FileStream _lock;
    private bool _disposed;

    private StagingDirectory(string path, FileStream lockFile)
    {
        Path = path;
        _lock = lockFile;
    }

    /// <summary>The folder (full path); it exists until disposed or moved away.</summary>
    public string Path { get; }

    /// <summary>
    /// Creates a locked staging folder beside <paramref name="target"/>, first removing abandoned ones of the same
    /// target and kind (see <see cref="RemoveAbandoned"/>).
    /// </summary>
    /// <param name="target">The folder the staged files are meant for (it need not exist).</param>
    /// <param name="kind">What the folder is for, part of its name: "building" or "download".</param>
    public static StagingDirectory CreateBeside(string target, string kind)
    {
        var (parent, prefix) = Locate(target, kind);
        Directory.CreateDirectory(parent);
        RemoveAbandoned(target, kind);
        string path = System.IO.Path.Combine(parent, prefix + Guid.NewGuid().ToString("N"));
        var lockFile = new FileStream(path + LockSuffix, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
        try
        {
            Directory.CreateDirectory(path);
            return new StagingDirectory(path, lockFile);
        }
        catch
        {
            lockFile.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Removes the staging folders of <paramref name="target"/> and <paramref name="kind"/> whose lock no process
    /// holds and that have not changed for <see cref="StaleAfter"/>, with their lock files; returns how many folders
    /// went. A folder that cannot be removed is left for the next time.
    /// </summary>
    public static int RemoveAbandoned(string target, string kind)
    {
        var (parent, prefix) = Locate(target, kind);
        if (!Directory.Exists(parent))
        {
            return 0;
        }

        var pattern = StagingName();
        var cutoff = DateTime.UtcNow - StaleAfter;
        int removed = 0;
        foreach (var folder in new DirectoryInfo(parent).EnumerateDirectories(prefix + "*"))
        {
            if (!IsOurs(folder.Name, prefix, pattern) || folder.LastWriteTimeUtc > cutoff)
            {
                continue;
            }

            var lockFile = new FileInfo(folder.FullName + LockSuffix);
            using var held = lockFile.Exists ? TryTake(lockFile, cutoff) : null;
            if (lockFile.Exists && held is null)
            {
                continue; // Its process is alive (or the lock is fresh).
            }

            try
            {
                folder.Delete(recursive: true);
                removed++;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Left for the next time.
            }
        }

        // Lock files whose folder is gone (a process killed after moving its folder into place).
        foreach (var lockFile in new DirectoryInfo(parent).EnumerateFiles(prefix + "*" + LockSuffix))
        {
            if (IsOurs(lockFile.Name[..^LockSuffix.Length], prefix, pattern) && !Directory.Exists(lockFile.FullName[..^LockSuffix.Length]))
            {
                using var _ = TryTake(lockFile, cutoff);
            }
        }

        return removed;
    }

    /// <summary>Deletes the folder if it is still there and releases (and deletes) the lock file.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            if (Directory.Exists(Path))
            {
                Directory.Delete(Path, recursive: true);
            }
        }
        finally
        {
            _lock.Dispose();
        }
    }

    private static (string Parent, string Prefix) Locate(string target, string kind)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(target);
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        string full = System.IO.Path.GetFullPath(target).TrimEnd(System.IO.Path.DirectorySeparatorChar, System.IO.Path.AltDirectorySeparatorChar);
        string parent = System.IO.Path.GetDirectoryName(full) ?? throw new ArgumentException("The target folder cannot be a root folder.", nameof(target));
        return (parent, $".{System.IO.Path.GetFileName(full)}.{kind}-");
    }

    private static bool IsOurs(string name, string prefix, Regex pattern) =>
        name.StartsWith(prefix, StringComparison.Ordinal) && pattern.IsMatch(name.AsSpan(prefix.Length));

    /// <summary>
    /// Takes an unchanged-for-long-enough lock file that no process holds, to be deleted when the returned stream is
    /// disposed; null when it is held, fresh or gone.
    /// </summary>
    private static FileStream? TryTake(FileInfo lockFile, DateTime cutoff)
    {
        if (lockFile.LastWriteTimeUtc > cutoff)
        {
            return null;
        }

        try
        {
            return new FileStream(lockFile.FullName, FileMode.Open, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    [GeneratedRegex("^[0-9a-f]{32}$", RegexOptions.CultureInvariant)]
    private static partial Regex StagingName();
}

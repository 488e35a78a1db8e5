using Microsoft.Extensions.FileSystemGlobbing.Abstractions;

namespace BlipCaptioning.Cli.Inputs;

/// <summary>
/// A folder as the glob matcher walks it, without descending into links to folders: <c>up -> ..</c> or
/// <c>self -> .</c> would otherwise make the walk endless or repeat the same images. A folder that cannot be read
/// is skipped with a note instead of ending the walk.
/// </summary>
/// <param name="directory">The folder.</param>
/// <param name="displayPath">The folder as the user would write it (the argument, then joined names), for notes.</param>
/// <param name="notes">Where skipped entries are noted.</param>
/// <param name="parent">The folder this one was reached from, if any.</param>
internal sealed class NoLinkDirectory(DirectoryInfo directory, string displayPath, WalkNotes notes, NoLinkDirectory? parent = null) : DirectoryInfoBase
{
    public override string Name => directory.Name;

    public override string FullName => directory.FullName;

    public override DirectoryInfoBase? ParentDirectory => parent ?? (directory.Parent is { } up ? new NoLinkDirectory(up, up.FullName, notes) : null);

    public override IEnumerable<FileSystemInfoBase> EnumerateFileSystemInfos()
    {
        List<FileSystemInfo> entries;
        try
        {
            entries = [.. directory.EnumerateFileSystemInfos()];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            notes.Add($"{displayPath}: this folder cannot be read ({ex.Message}); skipped.");
            return [];
        }

        var result = new List<FileSystemInfoBase>(entries.Count);
        foreach (var entry in entries)
        {
            if (entry is DirectoryInfo folder)
            {
                if (folder.LinkTarget is not null)
                {
                    notes.LinkedFolder(Path.Combine(displayPath, folder.Name), folder.LinkTarget);
                    continue;
                }

                result.Add(new NoLinkDirectory(folder, Path.Combine(displayPath, folder.Name), notes, this));
            }
            else if (entry is FileInfo file)
            {
                result.Add(new FileInfoWrapper(file));
            }
        }

        return result;
    }

    public override DirectoryInfoBase GetDirectory(string path) =>
        new NoLinkDirectory(new DirectoryInfo(Path.Combine(directory.FullName, path)), Path.Combine(displayPath, path), notes, this);

    public override FileInfoBase GetFile(string path) => new FileInfoWrapper(new FileInfo(Path.Combine(directory.FullName, path)));
}

using System.Runtime.InteropServices;

namespace BlipCaptioning.Cli.Inputs;

/// <summary>What a path names, as <c>stat</c> sees it, so a folder walk never opens a FIFO, socket or device.</summary>
/// <remarks>
/// .NET reports a FIFO, a socket and a device as ordinary files (attributes Normal, length 0), and opening a FIFO
/// blocks until something writes to it. On Unix this asks the runtime's own native shim (libSystem.Native, the
/// library System.IO itself calls) for the file mode; on Windows the file system has no such entries.
/// </remarks>
internal enum FileKind
{
    /// <summary>Nothing is there (or a link points nowhere).</summary>
    Missing,

    /// <summary>A regular file: safe to open and read to its end.</summary>
    Regular,

    /// <summary>A directory.</summary>
    Directory,

    /// <summary>A symbolic link (only from <see cref="FileKinds.OfEntry"/>, which does not follow links).</summary>
    Link,

    /// <summary>A FIFO, socket, character or block device: opening or reading it may block or never end.</summary>
    Special,
}

/// <summary>Reads the <see cref="FileKind"/> of a path.</summary>
internal static partial class FileKinds
{
    private const int TypeMask = 0xF000;
    private const int DirectoryType = 0x4000;
    private const int RegularType = 0x8000;
    private const int LinkType = 0xA000;

    private static bool s_nativeUnavailable;

    /// <summary>The kind of what <paramref name="path"/> names, following symbolic links.</summary>
    public static FileKind Of(string path) => Stat(path, followLinks: true);

    /// <summary>The kind of the entry itself: a symbolic link is <see cref="FileKind.Link"/>.</summary>
    public static FileKind OfEntry(string path) => Stat(path, followLinks: false);

    private static FileKind Stat(string path, bool followLinks)
    {
        if (OperatingSystem.IsWindows() || s_nativeUnavailable)
        {
            return FromDotNet(path, followLinks);
        }

        try
        {
            int result = followLinks ? NativeStat(path, out var status) : NativeLStat(path, out status);
            if (result != 0)
            {
                return FileKind.Missing;
            }

            return (status.Mode & TypeMask) switch
            {
                RegularType => FileKind.Regular,
                DirectoryType => FileKind.Directory,
                LinkType => FileKind.Link,
                _ => FileKind.Special,
            };
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            s_nativeUnavailable = true;
            return FromDotNet(path, followLinks);
        }
    }

    /// <summary>
    /// Without the native shim: an empty "file" may be a FIFO, socket or device (stat reports them with size 0), so
    /// it counts as <see cref="FileKind.Special"/>; an empty regular file would only fail as an empty image anyway.
    /// </summary>
    private static FileKind FromDotNet(string path, bool followLinks)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            return Directory.Exists(path) ? (IsLink(path) && !followLinks ? FileKind.Link : FileKind.Directory) : FileKind.Missing;
        }

        if (!followLinks && info.LinkTarget is not null)
        {
            return FileKind.Link;
        }

        return info.Length > 0 || OperatingSystem.IsWindows() ? FileKind.Regular : FileKind.Special;
    }

    private static bool IsLink(string path) => new DirectoryInfo(path).LinkTarget is not null;

    [LibraryImport("libSystem.Native", EntryPoint = "SystemNative_Stat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int NativeStat(string path, out FileStatus status);

    [LibraryImport("libSystem.Native", EntryPoint = "SystemNative_LStat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int NativeLStat(string path, out FileStatus status);

    /// <summary>
    /// The head of the shim's FileStatus (int32 flags, int32 mode, ...); sized generously so the native side never
    /// writes past it (the whole struct is under 150 bytes).
    /// </summary>
    [StructLayout(LayoutKind.Sequential, Size = 512)]
    private struct FileStatus
    {
        public int Flags;
        public int Mode;
    }
}

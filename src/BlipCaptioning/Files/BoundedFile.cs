using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace BlipCaptioning.Files;

/// <summary>
/// Reads local files that come from outside (a checkpoint's config.json, a model folder's manifest and vocabulary)
/// within a size budget, and only when they are regular files: a symlink to /dev/zero is refused instead of read
/// until memory runs out, and a FIFO instead of blocking forever.
/// </summary>
/// <remarks>
/// The file type is read with Linux's statx (symlinks followed); elsewhere, or where the C library has no statx,
/// only the size budget applies (a device then reads as a file longer than its budget). The check and the open are
/// two steps: a file swapped in between is still read within its budget.
/// </remarks>
internal static class BoundedFile
{
    private const int AtCurrentDirectory = -100;
    private const uint StatxType = 0x1;
    private const int StatxModeOffset = 28;
    private const int FileTypeMask = 0xF000;
    private const int RegularFile = 0x8000;

    /// <summary>The whole of a regular file of at most <paramref name="maxBytes"/> bytes.</summary>
    /// <param name="path">The file.</param>
    /// <param name="maxBytes">The budget (at most <see cref="Array.MaxLength"/>).</param>
    /// <param name="error">Makes the exception to throw from a message that names the file and the problem.</param>
    public static byte[] ReadAllBytes(string path, long maxBytes, Func<string, Exception> error)
    {
        ArgumentNullException.ThrowIfNull(error);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxBytes, Array.MaxLength);
        RequireRegularFile(path, error);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        if (stream.Length > maxBytes)
        {
            throw error(TooLarge(path, stream.Length, maxBytes));
        }

        using var buffer = new MemoryStream((int)stream.Length);
        var chunk = new byte[81920];
        int read;
        while ((read = stream.Read(chunk, 0, (int)Math.Min(chunk.Length, maxBytes + 1 - buffer.Length))) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > maxBytes)
            {
                throw error(TooLarge(path, null, maxBytes));
            }
        }

        return buffer.ToArray();
    }

    /// <summary>The text of a regular file of at most <paramref name="maxBytes"/> bytes, decoded as <see cref="File.ReadAllText(string)"/> does (UTF-8 unless a byte order mark says otherwise).</summary>
    public static string ReadAllText(string path, long maxBytes, Func<string, Exception> error)
    {
        var bytes = ReadAllBytes(path, maxBytes, error);
        using var reader = new StreamReader(new MemoryStream(bytes), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd();
    }

    /// <summary>Copies a regular file of at most <paramref name="maxBytes"/> bytes to <paramref name="destination"/> (replaced).</summary>
    public static void Copy(string source, string destination, long maxBytes, Func<string, Exception> error) =>
        File.WriteAllBytes(destination, ReadAllBytes(source, maxBytes, error));

    /// <summary>Refuses a path that names a device, FIFO or socket (after symlinks); a missing file is left to the open to report.</summary>
    public static void RequireRegularFile(string path, Func<string, Exception> error)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(error);
        if (FileTypeOf(path) is { } type && type != RegularFile)
        {
            throw error($"{path} is {Describe(type)}, not a regular file; only plain files are read.");
        }
    }

    private static string TooLarge(string path, long? length, long maxBytes) => length is { } known
        ? string.Create(CultureInfo.InvariantCulture, $"{path} is {known:N0} bytes, more than the {maxBytes:N0} bytes allowed for it.")
        : string.Create(CultureInfo.InvariantCulture, $"{path} holds more than the {maxBytes:N0} bytes allowed for it.");

    private static string Describe(int type) => type switch
    {
        0x1000 => "a FIFO (named pipe)",
        0x2000 => "a character device",
        0x4000 => "a directory",
        0x6000 => "a block device",
        0xC000 => "a socket",
        _ => "not a plain file",
    };

    /// <summary>The S_IFMT bits of the file's mode, or null where they cannot be read (not Linux, no statx, no such file).</summary>
    private static int? FileTypeOf(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        var status = new byte[256];
        try
        {
            if (Statx(AtCurrentDirectory, path, 0, StatxType, status) != 0)
            {
                return null;
            }
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }

        return MemoryMarshal.Read<ushort>(status.AsSpan(StatxModeOffset)) & FileTypeMask;
    }

    // struct statx has the same layout on every Linux architecture: stx_mode is the __u16 at byte 28.
    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Statx(int directory, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, [Out] byte[] status);
}

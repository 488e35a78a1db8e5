using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace BlipCaptioning.Cli.Benchmarking;

/// <summary>
/// Resident memory of this process from /proc/self/status: VmRSS now and VmHWM (the peak). On Linux the peak can be
/// reset to the current RSS by writing "5" to /proc/self/clear_refs (Linux 4.0+), so each scenario gets its own peak.
/// Elsewhere the process's peak working set is used and cannot be reset.
/// </summary>
internal static class PeakMemory
{
    private const string StatusPath = "/proc/self/status";

    /// <summary>
    /// Gives memory that was freed (a disposed model's weights and arena) back to the OS, so that the next scenario's
    /// RSS starts from what is really in use: glibc keeps freed heap memory mapped, and its dynamic mmap threshold
    /// moves large blocks onto the heap after the first ones are freed. A no-op where glibc is not there.
    /// </summary>
    public static void ReleaseFreedMemory()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        try
        {
            _ = MallocTrim(0);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            // musl and other C libraries have no malloc_trim; the figures then include retained memory.
        }
    }

    [DllImport("libc", EntryPoint = "malloc_trim")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int MallocTrim(nuint pad);

    /// <summary>Resets the peak to the current RSS; false when the platform cannot (the peak then covers the whole process).</summary>
    public static bool TryReset()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return false;
        }
    }

    /// <summary>The peak resident set (VmHWM) in MiB.</summary>
    public static double PeakMiB() => ReadKiB("VmHWM:") is { } kib ? kib / 1024.0 : Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0;

    /// <summary>The current resident set (VmRSS) in MiB.</summary>
    public static double CurrentMiB() => ReadKiB("VmRSS:") is { } kib ? kib / 1024.0 : Process.GetCurrentProcess().WorkingSet64 / 1048576.0;

    /// <summary>Parses "VmHWM:\t  123456 kB" lines; null when the file or the line is missing.</summary>
    internal static long? ParseKiB(string status, string key)
    {
        foreach (string line in status.Split('\n'))
        {
            if (line.StartsWith(key, StringComparison.Ordinal))
            {
                string[] parts = line[key.Length..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length > 0 && long.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out long value))
                {
                    return value;
                }
            }
        }

        return null;
    }

    private static long? ReadKiB(string key)
    {
        try
        {
            return File.Exists(StatusPath) ? ParseKiB(File.ReadAllText(StatusPath), key) : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}

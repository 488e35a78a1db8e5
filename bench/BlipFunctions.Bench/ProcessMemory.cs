using System.Globalization;
using System.Runtime.InteropServices;

namespace BlipFunctions.Bench;

/// <summary>This process's resident memory from /proc/self/status (Linux), in MiB; null elsewhere.</summary>
internal static partial class ProcessMemory
{
    /// <summary>Peak resident set size (VmHWM) since the start or the last <see cref="ResetPeak"/>.</summary>
    public static double? PeakMiB() => Read("VmHWM:");

    /// <summary>Resident set size now (VmRSS).</summary>
    public static double? CurrentMiB() => Read("VmRSS:");

    /// <summary>
    /// Collects garbage, hands freed native heap back (glibc's malloc_trim) and resets VmHWM (writing 5 to
    /// /proc/self/clear_refs), so that the next peak is the next phase's own. False where that is not possible.
    /// </summary>
    public static bool ResetPeak()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        try
        {
            _ = MallocTrim(0);
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    private static double? Read(string field)
    {
        if (!File.Exists("/proc/self/status"))
        {
            return null;
        }

        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                string kib = line[field.Length..].Trim().Split(' ')[0];
                return long.Parse(kib, CultureInfo.InvariantCulture) / 1024.0;
            }
        }

        return null;
    }

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);
}

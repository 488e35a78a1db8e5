using System.Collections.Concurrent;
using System.Globalization;
using BlipCaptioning.Conversion.Hub;
using Spectre.Console;

namespace BlipCaptioning.Cli.Commands;

/// <summary>
/// Shows download progress on stderr: a Spectre.Console progress bar per file when stderr is a terminal,
/// plain lines (one when a download starts, one when each file is ready) when it is redirected.
/// </summary>
internal static class ConsoleProgress
{
    public static async Task<T> RunAsync<T>(Func<IProgress<DownloadProgress>, Task<T>> work)
    {
        if (Console.IsErrorRedirected)
        {
            return await work(new PlainLines());
        }

        // Interactive: stderr is a terminal (checked above); Spectre would otherwise judge by stdout, which
        // `MODEL=$(blip model fetch)` redirects.
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error), Interactive = InteractionSupport.Yes });
        return await console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(
                new TaskDescriptionColumn { Alignment = Justify.Left },
                new ProgressBarColumn(),
                new PercentageColumn(),
                new DownloadedColumn { Culture = CultureInfo.InvariantCulture },
                new TransferSpeedColumn { Culture = CultureInfo.InvariantCulture },
                new RemainingTimeColumn())
            .StartAsync(context => work(new Bars(context)));
    }

    /// <summary>"4.6 kB", "990.0 MB": decimal units, as the hub shows sizes.</summary>
    public static string FormatSize(long bytes) => bytes switch
    {
        < 1_000 => $"{bytes} B",
        < 1_000_000 => (bytes / 1e3).ToString("0.0", CultureInfo.InvariantCulture) + " kB",
        < 1_000_000_000 => (bytes / 1e6).ToString("0.0", CultureInfo.InvariantCulture) + " MB",
        _ => (bytes / 1e9).ToString("0.00", CultureInfo.InvariantCulture) + " GB",
    };

    private sealed class Bars(ProgressContext context) : IProgress<DownloadProgress>
    {
        private readonly ConcurrentDictionary<string, ProgressTask> _tasks = new(StringComparer.Ordinal);

        public void Report(DownloadProgress value)
        {
            var task = _tasks.GetOrAdd(value.FileName, name => context.AddTask(Markup.Escape(name), autoStart: true, maxValue: Math.Max(1, value.TotalBytes ?? 1)));
            if (value.TotalBytes is { } total)
            {
                task.IsIndeterminate = false;
                task.MaxValue = Math.Max(1, total);
            }
            else
            {
                task.IsIndeterminate = true;
            }

            if (value.FromCache)
            {
                task.Description = Markup.Escape(value.FileName) + " [grey](cached)[/]";
            }

            task.Value = value.BytesDone;
            if (value.IsComplete)
            {
                task.Value = task.MaxValue;
                task.StopTask();
            }
        }
    }

    private sealed class PlainLines : IProgress<DownloadProgress>
    {
        private readonly ConcurrentDictionary<string, bool> _started = new(StringComparer.Ordinal);

        public void Report(DownloadProgress value)
        {
            var total = value.TotalBytes is { } size ? FormatSize(size) : "size unknown";
            if (value.FromCache)
            {
                Console.Error.WriteLine($"  {value.FileName}: {total}, already in the cache");
                return;
            }

            if (_started.TryAdd(value.FileName, true))
            {
                var resumed = value.BytesDone > 0 ? $", resuming at {FormatSize(value.BytesDone)}" : "";
                Console.Error.WriteLine($"  {value.FileName}: downloading {total}{resumed}");
            }

            if (value.IsComplete && _started.TryUpdate(value.FileName, false, true))
            {
                Console.Error.WriteLine($"  {value.FileName}: done");
            }
        }
    }
}

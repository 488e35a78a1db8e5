using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace BlipCaptioning.Cli.Commands;

/// <summary>
/// Progress of <c>blip caption</c> on stderr with Spectre.Console, as <c>blip model fetch</c> shows downloads: a bar
/// with count, images per second, elapsed time and ETA. Shown only when stderr is a terminal, stdout is not (the
/// captions go to a file or a pipe; on a terminal the captions themselves show the progress, as curl decides) and
/// there is more than one input. Failure lines go through it so that they print above the bar.
/// </summary>
internal abstract class CaptionProgress
{
    /// <summary>No display: failure lines go straight to stderr.</summary>
    public static CaptionProgress None { get; } = new Quiet();

    /// <summary>Says which input is being worked on.</summary>
    public abstract void Working(string name);

    /// <summary>Counts inputs done (captioned or failed).</summary>
    public abstract void Advance(int count);

    /// <summary>Writes one line to stderr without tearing the progress display.</summary>
    public abstract void WriteError(string line);

    public static async Task RunAsync(int total, Func<CaptionProgress, Task> work)
    {
        if (total < 2 || Console.IsErrorRedirected || !Console.IsOutputRedirected)
        {
            await work(None);
            return;
        }

        // Interactive: stderr is a terminal (checked above); Spectre would otherwise judge by stdout, which is redirected.
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error), Interactive = InteractionSupport.Yes });
        await console.Progress()
            .AutoClear(true)
            .HideCompleted(false)
            .Columns(
                new TaskDescriptionColumn { Alignment = Justify.Left },
                new ProgressBarColumn(),
                new CountColumn(),
                new RateColumn(),
                new ElapsedTimeColumn(),
                new RemainingTimeColumn())
            .StartAsync(context => work(new Bar(console, context.AddTask("captioning", autoStart: true, maxValue: total))));
    }

    private sealed class Quiet : CaptionProgress
    {
        public override void Working(string name)
        {
        }

        public override void Advance(int count)
        {
        }

        public override void WriteError(string line) => Console.Error.WriteLine(line);
    }

    private sealed class Bar(IAnsiConsole console, ProgressTask task) : CaptionProgress
    {
        public override void Working(string name) => task.Description = Markup.Escape(Shorten(Path.GetFileName(name.TrimEnd('/', '\\')), 40));

        public override void Advance(int count) => task.Increment(count);

        public override void WriteError(string line) => console.WriteLine(line);

        private static string Shorten(string name, int max) => name.Length <= max ? name : "…" + name[^(max - 1)..];
    }

    /// <summary>"3/10".</summary>
    private sealed class CountColumn : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            new Text(string.Create(CultureInfo.InvariantCulture, $"{task.Value:0}/{task.MaxValue:0}"));
    }

    /// <summary>"1.25 images/s".</summary>
    private sealed class RateColumn : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            new Text(task.Speed is { } speed ? string.Create(CultureInfo.InvariantCulture, $"{speed:0.00} images/s") : "", new Style(Color.Grey));
    }
}

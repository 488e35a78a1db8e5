using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using BlipCaptioning.Errors;

namespace BlipCaptioning.Cli.Commands;

/// <summary><c>blip caption PATH...</c>: captions image files, folders and globs with a model directory.</summary>
internal static class CaptionCommand
{
    public const string DefaultModelDirectory = "models/blip-image-captioning-base";
    public const string ModelDirectoryVariable = "Captioning__ModelDirectory";

    private static readonly JsonSerializerOptions s_json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static Command Create()
    {
        var paths = new Argument<string[]>("paths")
        {
            Description = "Image files, folders (searched recursively for .jpg/.jpeg/.png/.gif/.bmp/.webp/.tif/.tiff) or globs such as 'photos/**/*.jpg'.",
            Arity = ArgumentArity.OneOrMore,
        };
        var model = new Option<string>("--model", "-m")
        {
            Description = $"The model directory (made by `blip model random`, `blip model build` or `blip model fetch`). Default: ${ModelDirectoryVariable}, else {DefaultModelDirectory}.",
            DefaultValueFactory = _ => DefaultModel(),
        };
        var prompt = new Option<string?>("--prompt") { Description = "Text the caption starts with (conditional captioning), e.g. \"a picture of\"." };
        var beams = new Option<int?>("--beams") { Description = "Beam search with N beams (1 = greedy, the default)." };
        var maxTokens = new Option<int?>("--max-tokens") { Description = "At most N generated tokens after [DEC] and the prompt (overrides --max-length)." };
        var maxLength = new Option<int?>("--max-length") { Description = "Maximum sequence length counting [DEC] and the prompt (transformers' max_length; default 20)." };
        var minLength = new Option<int?>("--min-length") { Description = "Minimum sequence length counting [DEC] and the prompt; [SEP] is blocked until it is reached." };
        var preset = new Option<string>("--preset")
        {
            Description = "default: transformers' defaults (greedy, max length 20). paper: the BLIP paper's setting (prompt \"a picture of \", 3 beams, min length 5, prompt stripped).",
            DefaultValueFactory = _ => "default",
        };
        preset.AcceptOnlyFromAmong("default", "paper");
        var json = new Option<bool>("--json") { Description = "Write one JSON object per image (path, caption, token ids, score, image facts, timings in ms) instead of path<TAB>caption." };
        var threads = new Option<int?>("--threads") { Description = "ONNX Runtime intra-op threads (default: one per CPU)." };

        var command = new Command("caption", "Caption images. Prints one line per image, path<TAB>caption; images that cannot be read are reported on stderr and the rest go on (exit code 1 if any failed).")
        {
            paths, model, prompt, beams, maxTokens, maxLength, minLength, preset, json, threads,
        };
        command.SetAction((parse, cancellationToken) => UserErrors.RunAsync(async () =>
        {
            var settings = parse.GetValue(preset) == "paper" ? CaptionSettings.Paper : CaptionSettings.Default;
            settings = settings with
            {
                Prompt = parse.GetValue(prompt) ?? settings.Prompt,
                NumBeams = parse.GetValue(beams) ?? settings.NumBeams,
                MaxNewTokens = parse.GetValue(maxTokens) ?? settings.MaxNewTokens,
                MaxLength = parse.GetValue(maxLength) ?? settings.MaxLength,
                MinLength = parse.GetValue(minLength) ?? settings.MinLength,
            };
            var options = new CaptioningOptions { ModelDirectory = parse.GetValue(model), IntraOpThreads = parse.GetValue(threads) ?? 0 };
            return await RunAsync(parse.GetValue(paths) ?? [], options, settings, parse.GetValue(json), cancellationToken);
        }));
        return command;
    }

    public static string DefaultModel() =>
        Environment.GetEnvironmentVariable(ModelDirectoryVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : DefaultModelDirectory;

    private static async Task<int> RunAsync(IReadOnlyList<string> arguments, CaptioningOptions options, CaptionSettings settings, bool json, CancellationToken cancellationToken)
    {
        ValidateSettings(settings);
        var (files, unmatched) = ImagePaths.Expand(arguments);
        int failures = 0;
        foreach (string argument in unmatched)
        {
            await Console.Error.WriteLineAsync($"blip: {argument}: no such file, folder or matching glob.");
            failures++;
        }

        if (files.Count == 0)
        {
            await Console.Error.WriteLineAsync("blip: no images to caption.");
            return UserErrors.Failure;
        }

        using var captioner = new ImageCaptioner(options);
        using var progress = new ProgressLine(files.Count);
        for (int i = 0; i < files.Count; i++)
        {
            string file = files[i];
            progress.Show(i, file);
            long started = Stopwatch.GetTimestamp();
            Caption caption;
            try
            {
                await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true);
                caption = await captioner.CaptionAsync(stream, settings, cancellationToken);
            }
            catch (Exception ex) when (ex is UnsupportedImageException or IOException or UnauthorizedAccessException)
            {
                progress.Clear();
                await Console.Error.WriteLineAsync($"blip: {file}: {ex.Message}");
                failures++;
                continue;
            }

            progress.Clear();
            var elapsed = Stopwatch.GetElapsedTime(started);
            await Console.Out.WriteLineAsync(json ? ToJson(file, caption, elapsed) : $"{file}\t{caption.Text}");
        }

        progress.Clear();
        return failures == 0 ? 0 : UserErrors.Failure;
    }

    private static void ValidateSettings(CaptionSettings settings)
    {
        if (settings.NumBeams < 1)
        {
            throw new ArgumentException($"--beams is {settings.NumBeams}; use 1 (greedy) or more.");
        }

        if (settings.MaxNewTokens is < 1)
        {
            throw new ArgumentException($"--max-tokens is {settings.MaxNewTokens}; use 1 or more.");
        }

        if (settings.MaxLength < 2)
        {
            throw new ArgumentException($"--max-length is {settings.MaxLength}; it counts [DEC] and the prompt, so use 2 or more.");
        }

        if (settings.MinLength < 0)
        {
            throw new ArgumentException($"--min-length is {settings.MinLength}; use 0 or more.");
        }
    }

    private static string ToJson(string path, Caption caption, TimeSpan elapsed)
    {
        var t = caption.Timings;
        return JsonSerializer.Serialize(new
        {
            path,
            caption = caption.Text,
            token_ids = caption.TokenIds,
            score = caption.Score,
            image = new { width = caption.Image.Width, height = caption.Image.Height, format = caption.Image.Format, bytes = caption.Image.Bytes },
            timings_ms = new
            {
                decode = Ms(t.Decode),
                preprocess = Ms(t.Preprocess),
                vision = Ms(t.Vision),
                cross_attention = Ms(t.CrossAttention),
                generate = Ms(t.Generate),
                detokenize = Ms(t.Detokenize),
                total = Ms(elapsed),
            },
            steps = t.Steps,
        }, s_json);
    }

    private static double Ms(TimeSpan span) => Math.Round(span.TotalMilliseconds, 2);

    /// <summary>A one-line progress bar on stderr, shown only when stderr is a terminal and there is more than one image.</summary>
    private sealed class ProgressLine(int total) : IDisposable
    {
        private readonly bool _enabled = total > 1 && !Console.IsErrorRedirected;
        private bool _shown;

        public void Show(int done, string current)
        {
            if (!_enabled)
            {
                return;
            }

            const int width = 24;
            int filled = done * width / total;
            string name = Path.GetFileName(current);
            string line = string.Create(CultureInfo.InvariantCulture, $"[{new string('#', filled)}{new string('-', width - filled)}] {done}/{total} {name}");
            int max = Math.Max(20, SafeWindowWidth() - 1);
            Console.Error.Write("\r" + (line.Length > max ? line[..max] : line.PadRight(max)));
            _shown = true;
        }

        public void Clear()
        {
            if (_shown)
            {
                Console.Error.Write("\r" + new string(' ', Math.Max(20, SafeWindowWidth() - 1)) + "\r");
                _shown = false;
            }
        }

        public void Dispose() => Clear();

        private static int SafeWindowWidth()
        {
            try
            {
                return Console.WindowWidth > 0 ? Console.WindowWidth : 80;
            }
            catch (IOException)
            {
                return 80;
            }
        }
    }
}

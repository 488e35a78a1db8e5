using System.Text.Json;
using BlipCaptioning.Cli.Inputs;

namespace BlipCaptioning.Cli.Commands;

/// <summary>
/// What <c>blip caption</c> prints for each input: <c>path&lt;TAB&gt;caption</c> on stdout, or with <c>--json</c> one
/// object per line, captions and failures alike. Failures also go to stderr (<c>blip: PATH: reason</c>) for the
/// person watching.
/// </summary>
internal sealed class CaptionOutput(bool json)
{
    private static readonly JsonSerializerOptions s_json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public async Task CaptionAsync(string path, Caption caption, TimeSpan elapsed, int batchSize)
    {
        await Console.Out.WriteLineAsync(json ? CaptionJson(path, caption, elapsed, batchSize) : $"{path}\t{caption.Text}");
    }

    public async Task FailureAsync(string path, FailureKind kind, string message, CaptionProgress progress)
    {
        progress.WriteError($"blip: {path}: {message}");
        if (json)
        {
            await Console.Out.WriteLineAsync(JsonSerializer.Serialize(new { path, error = new { kind = kind.JsonName(), message } }, s_json));
        }
    }

    private static string CaptionJson(string path, Caption caption, TimeSpan elapsed, int batchSize)
    {
        var t = caption.Timings;
        return JsonSerializer.Serialize(new
        {
            path,
            caption = caption.Text,
            token_ids = caption.TokenIds,
            // A score that is not a number (a model with broken weights) must not make the line unwritable.
            score = double.IsFinite(caption.Score) ? caption.Score : (double?)null,
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
            batch = batchSize,
        }, s_json);
    }

    private static double Ms(TimeSpan span) => Math.Round(span.TotalMilliseconds, 2);
}

using System.Globalization;
using System.Text.Json;
using BlipCaptioning.Search;
using BlipCaptioning.Testing;

namespace BlipCaptioning.Conversion.Tests.Reference;

/// <summary>Reads tests/fixtures/transformers-reference/index.json for theory data and turns generate() kwargs into our settings.</summary>
internal static class ReferenceIndex
{
    private static readonly Lazy<JsonDocument> Document = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "index.json"))));

    public static JsonElement Root => Document.Value.RootElement;

    public static JsonElement Config(string config) => Root.GetProperty("configs").GetProperty(config);

    public static JsonElement Run(string config, string run) => Config(config).GetProperty("runs").GetProperty(run);

    public static IEnumerable<string> RunNames(string config) => Config(config).GetProperty("runs").EnumerateObject().Select(run => run.Name);

    public static IEnumerable<string> BatchRunNames(string config) => Config(config).GetProperty("batch").GetProperty("runs").EnumerateObject().Select(run => run.Name);

    public static long[] Ids(JsonElement element) => [.. element.EnumerateArray().Select(value => value.GetInt64())];

    /// <summary>
    /// The caption settings that ask our code for what a generate() call with these kwargs asked transformers for.
    /// The two "*_default_kwargs" runs named no length: transformers 5 then generates 20 new tokens
    /// (generation/utils.py, _prepare_generated_length), which is our MaxNewTokens = 20. Every other run names its
    /// lengths, so our own defaults (max length 20 in all, as in transformers 4.46) are what is compared there.
    /// </summary>
    public static CaptionSettings Settings(string runName, JsonElement run)
    {
        var settings = new CaptionSettings
        {
            Prompt = run.GetProperty("prompt").ValueKind == JsonValueKind.Null ? null : run.GetProperty("prompt").GetString(),
        };
        if (runName.EndsWith("_default_kwargs", StringComparison.Ordinal))
        {
            settings = settings with { MaxNewTokens = 20 };
        }

        foreach (var kwarg in run.GetProperty("kwargs").EnumerateObject())
        {
            settings = kwarg.Name switch
            {
                "max_length" => settings with { MaxLength = kwarg.Value.GetInt32() },
                "max_new_tokens" => settings with { MaxNewTokens = kwarg.Value.GetInt32() },
                "min_length" => settings with { MinLength = kwarg.Value.GetInt32() },
                "num_beams" => settings with { NumBeams = kwarg.Value.GetInt32() },
                "length_penalty" => settings with { LengthPenalty = kwarg.Value.GetDouble() },
                "early_stopping" => settings with { EarlyStopping = kwarg.Value.GetBoolean() },
                "repetition_penalty" => settings with { RepetitionPenalty = kwarg.Value.GetDouble() },
                "no_repeat_ngram_size" => settings with { NoRepeatNgramSize = kwarg.Value.GetInt32() },
                _ => throw new InvalidOperationException($"Run {runName}: generate() kwarg '{kwarg.Name}' has no CaptionSettings counterpart."),
            };
        }

        return settings;
    }

    public static string Describe(CaptionSettings settings) => string.Create(CultureInfo.InvariantCulture,
        $"prompt {(settings.Prompt is null ? "none" : $"\"{settings.Prompt}\"")}, beams {settings.NumBeams}, max {settings.MaxLength}, max new {settings.MaxNewTokens?.ToString(CultureInfo.InvariantCulture) ?? "-"}, min {settings.MinLength}, lp {settings.LengthPenalty}, early {settings.EarlyStopping}, rep {settings.RepetitionPenalty}, ngram {settings.NoRepeatNgramSize}");

    public static string Folder => Path.Combine(RepositoryPaths.Fixtures, "transformers-reference");
}

using System.Text.RegularExpressions;

namespace BlipCaptioning.Cli.Commands;

/// <summary>
/// Recognises the library's refusal of generation settings (<c>MaxLength</c> too small for the prompt, a sequence
/// longer than the decoder's positions) and words it with the options of <c>blip caption</c>. Such a refusal applies
/// to every image, so it ends the run as a usage error rather than failing each image.
/// </summary>
internal static partial class GenerationOptionNames
{
    private static readonly Dictionary<string, string> Options = new(StringComparer.Ordinal)
    {
        ["MaxNewTokens"] = "--max-tokens",
        ["MaxLength"] = "--max-length",
        ["MinLength"] = "--min-length",
        ["NumBeams"] = "--beams",
        ["RepetitionPenalty"] = "--repetition-penalty",
        ["NoRepeatNgramSize"] = "--no-repeat-ngram-size",
        ["LengthPenalty"] = "--preset",
        ["promptLength"] = "--prompt",
    };

    /// <summary>The option the exception is about, or null when it is not about a generation setting.</summary>
    public static string? Names(ArgumentException ex) => ex.ParamName is { } name && Options.TryGetValue(name, out string? option) ? option : null;

    public static string ForCommandLine(ArgumentException ex)
    {
        string message = ex.Message;
        int parameter = message.IndexOf(" (Parameter '", StringComparison.Ordinal);
        if (parameter >= 0)
        {
            message = message[..parameter];
        }

        return SettingName().Replace(message, match => Options.TryGetValue(match.Value, out string? option) ? option : match.Value);
    }

    [GeneratedRegex(@"\b(MaxNewTokens|MaxLength|MinLength|NumBeams|RepetitionPenalty|NoRepeatNgramSize)\b")]
    private static partial Regex SettingName();
}

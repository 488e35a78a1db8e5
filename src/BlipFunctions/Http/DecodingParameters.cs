using System.Globalization;
using BlipCaptioning;
using Microsoft.AspNetCore.Http;

namespace BlipFunctions.Http;

/// <summary>
/// The decoding choices of <c>POST /api/captions</c>, as a transformers <c>pipeline("image-to-text")</c> user names
/// them: <c>prompt</c>, <c>max_new_tokens</c> and <c>num_beams</c> query parameters, each bounded so that one request
/// costs a bounded amount of CPU. Anything else in the query except the function key (<c>code</c>) is refused.
/// </summary>
public sealed record DecodingParameters(string? Prompt, int? MaxNewTokens, int? NumBeams)
{
    /// <summary>The longest prompt accepted, in characters.</summary>
    public const int MaxPromptLength = 200;

    /// <summary>The most new tokens one request may ask for.</summary>
    public const int MaxNewTokensLimit = 100;

    /// <summary>The most beams one request may ask for.</summary>
    public const int MaxBeams = 8;

    private static readonly string[] s_known = ["prompt", "max_new_tokens", "num_beams", "code"];

    /// <summary>No parameters: the app's own decoding settings apply.</summary>
    public static DecodingParameters None { get; } = new(null, null, null);

    /// <summary>True when a request asked for nothing, so the app's settings are used as they are.</summary>
    public bool IsEmpty => Prompt is null && MaxNewTokens is null && NumBeams is null;

    /// <summary>Reads the parameters, or says (in <paramref name="error"/>) which one is wrong and what is accepted.</summary>
    public static bool TryParse(IQueryCollection query, out DecodingParameters parameters, out string? error)
    {
        ArgumentNullException.ThrowIfNull(query);
        parameters = None;
        error = null;
        foreach ((string name, Microsoft.Extensions.Primitives.StringValues values) in query)
        {
            if (!s_known.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                error = $"Unknown query parameter '{name}'. POST /api/captions accepts prompt, max_new_tokens and num_beams (and code, the function key).";
                return false;
            }

            if (values.Count > 1)
            {
                error = $"The query parameter '{name}' is given {values.Count} times; give it once.";
                return false;
            }
        }

        string? prompt = query.TryGetValue("prompt", out var p) ? p.ToString() : null;
        if (prompt is not null)
        {
            if (prompt.Length > MaxPromptLength)
            {
                error = $"prompt is {prompt.Length} characters long; keep it to {MaxPromptLength}.";
                return false;
            }

            if (prompt.Any(char.IsControl))
            {
                error = "prompt holds control characters (line breaks, tabs, ...); send plain text such as 'a picture of'.";
                return false;
            }

            prompt = string.IsNullOrWhiteSpace(prompt) ? null : prompt;
        }

        if (!TryParseCount(query, "max_new_tokens", 1, MaxNewTokensLimit, out int? maxNewTokens, out error)
            || !TryParseCount(query, "num_beams", 1, MaxBeams, out int? numBeams, out error))
        {
            return false;
        }

        parameters = new DecodingParameters(prompt, maxNewTokens, numBeams);
        return true;
    }

    /// <summary>The app's settings with what this request asked for.</summary>
    public CaptionSettings ApplyTo(CaptionSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings with
        {
            Prompt = Prompt ?? settings.Prompt,
            MaxNewTokens = MaxNewTokens ?? settings.MaxNewTokens,
            NumBeams = NumBeams ?? settings.NumBeams,
        };
    }

    private static bool TryParseCount(IQueryCollection query, string name, int min, int max, out int? value, out string? error)
    {
        value = null;
        error = null;
        if (!query.TryGetValue(name, out var text))
        {
            return true;
        }

        if (!int.TryParse(text.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out int parsed) || parsed < min || parsed > max)
        {
            error = $"{name} must be a whole number from {min} to {max}; it was '{text}'.";
            return false;
        }

        value = parsed;
        return true;
    }
}

using BlipFunctions.Captioning;
using BlipFunctions.Storage;
using Microsoft.Extensions.Primitives;

namespace BlipFunctions.Http;

/// <summary>
/// The <c>keyword</c> parameters of <c>GET /api/captions</c>, parsed within a budget: at most
/// <see cref="MaxKeywords"/>, each one content word of at most <see cref="CaptionKeywordIndex.MaxKeywordLength"/>
/// characters, normalised the way captions' keywords are (lower case, characters tags allow).
/// </summary>
public static class KeywordQuery
{
    /// <summary>A caption has at most this many keywords, so a search for more could never match.</summary>
    public const int MaxKeywords = CaptionTags.MaxKeywords;

    /// <summary>The normalised keywords, without repeats; or false and a message for the client.</summary>
    public static bool TryParse(StringValues values, out IReadOnlyList<string> keywords, out string error)
    {
        keywords = [];
        error = string.Empty;
        if (values.Count > MaxKeywords)
        {
            error = $"Give at most {MaxKeywords} keyword parameters (a caption has at most {MaxKeywords} keywords); there were {values.Count}.";
            return false;
        }

        var parsed = new List<string>(values.Count);
        foreach (string? value in values)
        {
            string text = value ?? string.Empty;
            if (text.Length > CaptionKeywordIndex.MaxKeywordLength)
            {
                error = $"A keyword is at most {CaptionKeywordIndex.MaxKeywordLength} characters; one was {text.Length}.";
                return false;
            }

            IReadOnlyList<string> words = CaptionTags.Keywords(text);
            if (words.Count != 1)
            {
                error = $"'{text}' is not a keyword: give one content word per keyword parameter (letters, digits, + - . / : = _), " +
                        "not a stop word such as 'a', 'on' or 'the' (those are never indexed), e.g. ?keyword=dog&keyword=beach.";
                return false;
            }

            if (!parsed.Contains(words[0]))
            {
                parsed.Add(words[0]);
            }
        }

        keywords = parsed;
        return true;
    }
}

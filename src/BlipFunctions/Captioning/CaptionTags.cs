using System.Text;

namespace BlipFunctions.Captioning;

/// <summary>
/// Blob index tags for a caption (<c>caption</c>, <c>keywords</c>) within the service's rules: at most 10 tags per
/// blob, keys 1–128 and values 0–256 characters of <c>a-z A-Z 0-9 space + - . / : = _</c>.
/// </summary>
public static class CaptionTags
{
    public const string CaptionKey = "caption";
    public const string KeywordsKey = "keywords";
    public const int MaxTags = 10;
    public const int MaxValueLength = 256;
    public const int MaxKeywords = 8;

    private static readonly HashSet<string> s_stopWords = new(StringComparer.Ordinal)
    {
        "a", "an", "the", "of", "with", "and", "or", "in", "on", "at", "to", "from", "by", "for", "is", "are", "it",
        "its", "there", "this", "that", "some", "his", "her", "their", "into", "onto", "up", "down", "over", "next",
        "near", "while", "as", "be", "picture", "photo", "image", "arafed", "araffe",
    };

    /// <summary>Keywords of a caption: its lower-case words without stop words and repeats, at most <see cref="MaxKeywords"/>.</summary>
    public static IReadOnlyList<string> Keywords(string caption)
    {
        ArgumentNullException.ThrowIfNull(caption);
        var words = new List<string>();
        foreach (string raw in caption.Split([' ', '\t', '\n', ',', '.', ';', '!', '?', '"'], StringSplitOptions.RemoveEmptyEntries))
        {
            string word = Sanitise(raw.ToLowerInvariant()).Replace(" ", string.Empty, StringComparison.Ordinal);
            if (word.Length > 1 && !s_stopWords.Contains(word) && !words.Contains(word))
            {
                words.Add(word);
                if (words.Count == MaxKeywords)
                {
                    break;
                }
            }
        }

        return words;
    }

    /// <summary>
    /// The tags to set: the blob's own tags, always all of them, plus ours (<c>caption</c>, <c>keywords</c>, replacing
    /// earlier values of ours) when both fit within the limit of 10. False when they do not: <paramref name="tags"/>
    /// is then the blob's own tags alone (ours, possibly stale, removed), and the caller records why ours are missing.
    /// </summary>
    public static bool TryMerge(IDictionary<string, string> existing, string caption, out Dictionary<string, string> tags)
    {
        ArgumentNullException.ThrowIfNull(existing);
        ArgumentNullException.ThrowIfNull(caption);
        tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach ((string key, string value) in existing)
        {
            if (key is not CaptionKey and not KeywordsKey)
            {
                tags[key] = value;
            }
        }

        if (tags.Count + 2 > MaxTags)
        {
            return false;
        }

        tags[CaptionKey] = Truncate(Sanitise(caption));
        tags[KeywordsKey] = Truncate(string.Join(' ', Keywords(caption)));
        return true;
    }

    /// <summary>True when the blob's tags hold a <c>caption</c> or <c>keywords</c> tag (of ours, from an earlier caption).</summary>
    public static bool HasOurs(IDictionary<string, string> existing)
    {
        ArgumentNullException.ThrowIfNull(existing);
        return existing.ContainsKey(CaptionKey) || existing.ContainsKey(KeywordsKey);
    }

    /// <summary>The <c>TagError</c> recorded when the blob's own tags leave no room for ours.</summary>
    public static string NoRoomError(int ownTags) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"The blob has {ownTags} index tags of its own and a blob holds at most {MaxTags}, so the caption and keywords tags were not set " +
            $"(its own tags are kept; the caption is stored here). To have them tagged, remove {ownTags + 2 - MaxTags} of its tags and upload the image again.");

    /// <summary>
    /// Keeps the characters tags allow; other letters (non-ASCII: BLIP's uncased vocabulary has its accents stripped
    /// already) are dropped and everything else becomes a space; runs of spaces collapse.
    /// </summary>
    public static string Sanitise(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var builder = new StringBuilder(value.Length);
        foreach (char c in value)
        {
            if (char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.' or '/' or ':' or '=' or '_')
            {
                builder.Append(c);
            }
            else if (!char.IsLetter(c) && !char.IsSurrogate(c) && builder.Length > 0 && builder[^1] != ' ')
            {
                builder.Append(' ');
            }
        }

        return builder.ToString().Trim();
    }

    private static string Truncate(string value) =>
        value.Length <= MaxValueLength ? value : value[..MaxValueLength].TrimEnd();
}

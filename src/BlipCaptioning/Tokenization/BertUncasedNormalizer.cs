using System.Globalization;
using System.Text;
using Microsoft.ML.Tokenizers;

namespace BlipCaptioning.Tokenization;

/// <summary>
/// Hugging Face tokenizers' <c>BertNormalizer</c> for bert-base-uncased (clean_text, handle_chinese_chars,
/// strip_accents, lowercase, in that order), without relying on ICU.
/// </summary>
/// <remarks>
/// Microsoft.ML.Tokenizers' own BERT normalizer strips accents through <see cref="string.Normalize(NormalizationForm)"/>,
/// which does nothing when the app runs with <c>InvariantGlobalization</c> (ours do): "café" then becomes [UNK]
/// instead of "cafe". This normalizer decomposes with <see cref="AccentStrippingTable"/> and the Hangul algorithm.
/// </remarks>
internal sealed class BertUncasedNormalizer : Normalizer
{
    private static readonly Dictionary<int, string> s_folded = ParseTable();

    public static BertUncasedNormalizer Instance { get; } = new();

    public override string Normalize(string original)
    {
        ArgumentNullException.ThrowIfNull(original);
        return Normalize(original.AsSpan());
    }

    public override string Normalize(ReadOnlySpan<char> original)
    {
        var cleaned = new StringBuilder(original.Length + 8);
        foreach (var rune in original.EnumerateRunes())
        {
            var value = rune.Value;
            // clean_text: drop NUL, U+FFFD and control/format/unassigned characters; every white space becomes ' '.
            if (value is 0 or 0xFFFD || (IsControl(rune) && !IsWhiteSpace(rune)))
            {
                continue;
            }

            if (IsWhiteSpace(rune))
            {
                cleaned.Append(' ');
                continue;
            }

            // handle_chinese_chars: each CJK ideograph becomes its own word.
            if (IsChineseCharacter(value))
            {
                cleaned.Append(' ');
                AppendStrippedLowerCase(cleaned, rune);
                cleaned.Append(' ');
                continue;
            }

            AppendStrippedLowerCase(cleaned, rune);
        }

        return cleaned.ToString();
    }

    // strip_accents (NFD, then drop nonspacing marks) followed by lowercase, for one character.
    private static void AppendStrippedLowerCase(StringBuilder text, Rune rune)
    {
        if (Rune.GetUnicodeCategory(rune) == UnicodeCategory.NonSpacingMark)
        {
            return;
        }

        if (s_folded.TryGetValue(rune.Value, out var folded))
        {
            foreach (var part in folded.EnumerateRunes())
            {
                AppendLowerCase(text, part);
            }

            return;
        }

        if (rune.Value is >= HangulFirst and <= HangulLast)
        {
            AppendHangulJamo(text, rune.Value);
            return;
        }

        AppendLowerCase(text, rune);
    }

    private static void AppendLowerCase(StringBuilder text, Rune rune)
    {
        Span<char> buffer = stackalloc char[2];
        var written = Rune.ToLowerInvariant(rune).EncodeToUtf16(buffer);
        text.Append(buffer[..written]);
    }

    private const int HangulFirst = 0xAC00;
    private const int HangulLast = 0xD7A3;

    // Unicode's canonical decomposition of a precomposed Hangul syllable into leading, vowel and trailing jamo.
    private static void AppendHangulJamo(StringBuilder text, int syllable)
    {
        const int leadBase = 0x1100, vowelBase = 0x1161, trailBase = 0x11A7, vowelCount = 21, trailCount = 28;
        var index = syllable - HangulFirst;
        text.Append((char)(leadBase + (index / (vowelCount * trailCount))));
        text.Append((char)(vowelBase + (index % (vowelCount * trailCount) / trailCount)));
        if (index % trailCount != 0)
        {
            text.Append((char)(trailBase + (index % trailCount)));
        }
    }

    private static bool IsWhiteSpace(Rune rune) => rune.Value is '\t' or '\n' or '\r' || Rune.IsWhiteSpace(rune);

    // Rust's char::is_other: categories Cc, Cf, Cs, Co, Cn (tabs and newlines are white space, handled first).
    private static bool IsControl(Rune rune) => Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control
        or UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned;

    private static bool IsChineseCharacter(int value) =>
        value is (>= 0x4E00 and <= 0x9FFF) or (>= 0x3400 and <= 0x4DBF) or (>= 0x20000 and <= 0x2A6DF)
            or (>= 0x2A700 and <= 0x2B73F) or (>= 0x2B740 and <= 0x2B81F) or (>= 0x2B820 and <= 0x2CEAF)
            or (>= 0xF900 and <= 0xFAFF) or (>= 0x2F800 and <= 0x2FA1F);

    private static Dictionary<int, string> ParseTable()
    {
        var table = new Dictionary<int, string>(2100);
        var builder = new StringBuilder(4);
        foreach (var entry in AccentStrippingTable.Entries.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var separator = entry.IndexOf('=', StringComparison.Ordinal);
            var key = int.Parse(entry.AsSpan(0, separator), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            builder.Clear();
            foreach (var part in entry[(separator + 1)..].Split(','))
            {
                builder.Append(char.ConvertFromUtf32(int.Parse(part, NumberStyles.HexNumber, CultureInfo.InvariantCulture)));
            }

            table[key] = builder.ToString();
        }

        return table;
    }
}

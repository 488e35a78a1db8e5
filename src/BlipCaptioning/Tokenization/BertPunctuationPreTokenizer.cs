using System.Globalization;
using System.Text;
using Microsoft.ML.Tokenizers;

namespace BlipCaptioning.Tokenization;

/// <summary>
/// Hugging Face tokenizers' <c>BertPreTokenizer</c>: split on white space (dropped) and make every punctuation
/// character its own word, where punctuation is any ASCII punctuation or symbol (<c>$ + &lt; = &gt; ^ ` | ~ _</c> included)
/// or a Unicode punctuation category (Pc, Pd, Ps, Pe, Pi, Pf, Po).
/// </summary>
/// <remarks>
/// Microsoft.ML.Tokenizers' default BERT pre-tokenizer matches <c>\w+|[\p{P}]</c>: it silently drops symbols
/// ("$5" loses the "$", "☃" disappears instead of becoming [UNK]) and keeps "_" inside words.
/// </remarks>
internal sealed class BertPunctuationPreTokenizer : PreTokenizer
{
    public static BertPunctuationPreTokenizer Instance { get; } = new();

    public override IEnumerable<(int Offset, int Length)> PreTokenize(ReadOnlySpan<char> text) => PreTokenize(text.ToString());

    public override IEnumerable<(int Offset, int Length)> PreTokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Split(text);
    }

    private static List<(int Offset, int Length)> Split(string text)
    {
        var words = new List<(int Offset, int Length)>();
        var wordStart = -1;
        var index = 0;
        while (index < text.Length)
        {
            Rune.DecodeFromUtf16(text.AsSpan(index), out var rune, out var consumed);
            if (Rune.IsWhiteSpace(rune) || IsPunctuation(rune))
            {
                if (wordStart >= 0)
                {
                    words.Add((wordStart, index - wordStart));
                    wordStart = -1;
                }

                if (!Rune.IsWhiteSpace(rune))
                {
                    words.Add((index, consumed));
                }
            }
            else if (wordStart < 0)
            {
                wordStart = index;
            }

            index += consumed;
        }

        if (wordStart >= 0)
        {
            words.Add((wordStart, text.Length - wordStart));
        }

        return words;
    }

    private static bool IsPunctuation(Rune rune)
    {
        if (rune.IsAscii)
        {
            return char.IsAsciiLetterOrDigit((char)rune.Value) is false && rune.Value is > 32 and < 127;
        }

        return Rune.GetUnicodeCategory(rune) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
            or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;
    }
}

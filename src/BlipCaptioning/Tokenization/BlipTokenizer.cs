using System.Text;
using BlipCaptioning.Files;
using BlipCaptioning.Model;
using Microsoft.ML.Tokenizers;

namespace BlipCaptioning.Tokenization;

/// <summary>
/// BLIP's text side: bert-base-uncased WordPiece (lower-casing, accent stripping, basic tokenization, CJK spacing)
/// plus BLIP's model-only decoder start id [DEC] 30522. Encodes a prompt into the decoder's start ids and decodes
/// generated ids into a caption exactly as transformers' <c>BlipProcessor.decode(ids, skip_special_tokens=True)</c> does.
/// </summary>
/// <remarks>
/// Encoding is delegated to Microsoft.ML.Tokenizers' <see cref="BertTokenizer"/>. Decoding is implemented here over the
/// vocabulary because <see cref="WordPieceTokenizer.Decode(IEnumerable{int}, bool)"/> neither applies the
/// punctuation cleanup of Hugging Face's WordPiece decoder nor keeps a leading "##" on the first token, and it
/// fails on BLIP's ids 30522/30523 that the vocabulary does not contain (docs/generation.md).
/// The vocabulary must come from a trusted source: it decides every id the model sees.
/// </remarks>
public sealed class BlipTokenizer
{
    private const string ContinuingSubwordPrefix = "##";

    private readonly BertTokenizer _bert;
    private readonly string[] _vocabulary;

    private BlipTokenizer(BertTokenizer bert, string[] vocabulary)
    {
        _bert = bert;
        _vocabulary = vocabulary;
    }

    /// <summary>Entries in vocab.txt (30522 for bert-base-uncased); ids at or above it are model-only ([DEC], [ENC]).</summary>
    public int VocabularyCount => _vocabulary.Length;

    /// <summary>Loads the tokenizer from a bert-base-uncased style vocab.txt (one token per line, line number = id).</summary>
    /// <param name="vocabularyPath">Path of vocab.txt.</param>
    /// <returns>The tokenizer.</returns>
    /// <exception cref="ArgumentException">The path is empty.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">
    /// The file is not a BERT vocabulary (missing [PAD]/[UNK]/[CLS]/[SEP]/[MASK] at their ids), is larger than
    /// <see cref="ModelLimits.MaxVocabularyBytes"/>, or is not a regular file.
    /// </exception>
    public static BlipTokenizer Create(string vocabularyPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(vocabularyPath);
        if (!File.Exists(vocabularyPath))
        {
            throw new FileNotFoundException($"The vocabulary file '{vocabularyPath}' does not exist; pass the vocab.txt that sits beside the model graphs.", vocabularyPath);
        }

        using var stream = new MemoryStream(BoundedFile.ReadAllBytes(vocabularyPath, ModelLimits.MaxVocabularyBytes, message => new InvalidDataException(message)));
        return Create(stream);
    }

    /// <summary>Loads the tokenizer from a stream holding a bert-base-uncased style vocab.txt (UTF-8). The stream is read to its end and not disposed.</summary>
    /// <param name="vocabularyStream">The vocabulary.</param>
    /// <returns>The tokenizer.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="vocabularyStream"/> is null.</exception>
    /// <exception cref="InvalidDataException">The stream is not a BERT vocabulary (missing [PAD]/[UNK]/[CLS]/[SEP]/[MASK] at their ids).</exception>
    public static BlipTokenizer Create(Stream vocabularyStream)
    {
        ArgumentNullException.ThrowIfNull(vocabularyStream);

        using var buffer = new MemoryStream();
        vocabularyStream.CopyTo(buffer);
        var vocabulary = ReadVocabulary(buffer.ToArray());

        buffer.Position = 0;
        var bert = BertTokenizer.Create(buffer, new BertOptions
        {
            // bert-base-uncased as in the hub's tokenizer_config.json: do_lower_case true, strip_accents null
            // (= strip when lower-casing), tokenize_chinese_chars true, do_basic_tokenize true.
            // Our own normalizer and pre-tokenizer replace the library's, which differ from Hugging Face's under
            // InvariantGlobalization (no accent stripping) and on symbols (dropped); see the two types.
            LowerCaseBeforeTokenization = true,
            RemoveNonSpacingMarks = true,
            IndividuallyTokenizeCjk = true,
            ApplyBasicTokenization = true,
            Normalizer = BertUncasedNormalizer.Instance,
            PreTokenizer = BertPunctuationPreTokenizer.Instance,
        });

        if (bert.ClassificationTokenId != BlipModelContract.ClassifierTokenId || bert.SeparatorTokenId != BlipModelContract.SeparatorTokenId)
        {
            throw new InvalidDataException(
                $"The vocabulary puts [CLS] at {bert.ClassificationTokenId} and [SEP] at {bert.SeparatorTokenId}; BLIP expects 101 and 102. Use bert-base-uncased's vocab.txt.");
        }

        return new BlipTokenizer(bert, vocabulary);
    }

    /// <summary>
    /// The decoder's start ids for a prompt, built as transformers' <c>BlipForConditionalGeneration.generate</c> does:
    /// the tokenizer gives <c>[101, …, 102]</c>; [CLS] is replaced by [DEC] (30522) and the trailing [SEP] is dropped.
    /// </summary>
    /// <param name="prompt">Text the caption starts with, or null/empty/white space for an unconditional caption.</param>
    /// <returns><c>[30522]</c> without a prompt, e.g. <c>[30522, 1037, 3861, 1997]</c> for "a picture of".</returns>
    public long[] EncodePrompt(string? prompt)
    {
        if (string.IsNullOrEmpty(prompt))
        {
            return [BlipModelContract.DecoderStartTokenId];
        }

        var ids = _bert.EncodeToIds(prompt, addSpecialTokens: true);
        // ids = [CLS] … [SEP]; keep everything but the trailing [SEP] and put [DEC] where [CLS] was.
        var start = new long[ids.Count - 1];
        start[0] = BlipModelContract.DecoderStartTokenId;
        for (var i = 1; i < start.Length; i++)
        {
            start[i] = ids[i];
        }

        return start;
    }

    /// <summary>
    /// Decodes ids into text like transformers' fast BERT tokenizer with <c>skip_special_tokens=True</c> and
    /// <c>clean_up_tokenization_spaces=True</c>: ids without a vocabulary entry (30522 [DEC], 30523 [ENC], negative)
    /// and the special ids 0/100/101/102/103 are dropped, word pieces are joined ("##" glues to the previous piece),
    /// and spaces before punctuation and in contractions are removed.
    /// </summary>
    /// <param name="ids">Token ids, e.g. a generated sequence including [DEC], the prompt and [SEP].</param>
    /// <returns>The text, lower case (the vocabulary is).</returns>
    public string Decode(ReadOnlySpan<long> ids)
    {
        var text = new StringBuilder();
        var first = true;
        foreach (var id in ids)
        {
            if (id < 0 || id >= _vocabulary.Length || IsSpecial(id))
            {
                continue;
            }

            var token = _vocabulary[id];
            // Hugging Face tokenizers' WordPiece decoder: the first kept token is written as is (even "##x"); a later
            // "##" piece glues to the previous one, any other token gets a space. Its per-token cleanup sees " token"
            // (no inner space), so everything it can change is changed again by the whole-string cleanup below.
            if (first)
            {
                text.Append(token);
                first = false;
            }
            else if (token.StartsWith(ContinuingSubwordPrefix, StringComparison.Ordinal))
            {
                text.Append(token, ContinuingSubwordPrefix.Length, token.Length - ContinuingSubwordPrefix.Length);
            }
            else
            {
                text.Append(' ').Append(token);
            }
        }

        return CleanUpTokenization(text).ToString();
    }

    /// <summary>
    /// The caption text of a generated sequence. With <paramref name="stripPrompt"/>, the prompt's text is removed
    /// from the start as the original Salesforce code does (<c>caption[len(prompt):]</c>): the decoded prompt
    /// (<paramref name="sequence"/>[..<paramref name="promptLength"/>]) is cut from the front of the decoded sequence
    /// and leading spaces are trimmed; if the cleanup merged the prompt with the next word so that the text no longer
    /// starts with it, only the generated ids are decoded instead.
    /// </summary>
    /// <param name="sequence">The full sequence: [DEC], the prompt ids, the generated ids (with or without [SEP]).</param>
    /// <param name="promptLength">Length of the decoder start ([DEC] plus prompt ids), as returned by <see cref="EncodePrompt"/>.</param>
    /// <param name="stripPrompt">Whether to remove the prompt text.</param>
    /// <returns>The caption.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="promptLength"/> is negative or longer than the sequence.</exception>
    public string DecodeCaption(ReadOnlySpan<long> sequence, int promptLength, bool stripPrompt)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(promptLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(promptLength, sequence.Length);

        var caption = Decode(sequence);
        if (!stripPrompt)
        {
            return caption;
        }

        var prompt = Decode(sequence[..promptLength]);
        if (prompt.Length == 0)
        {
            return caption;
        }

        return caption.StartsWith(prompt, StringComparison.Ordinal)
            ? caption[prompt.Length..].TrimStart(' ')
            : Decode(sequence[promptLength..]);
    }

    private static bool IsSpecial(long id) =>
        id is BlipModelContract.PadTokenId or BlipModelContract.UnknownTokenId or BlipModelContract.ClassifierTokenId
            or BlipModelContract.SeparatorTokenId or BlipModelContract.MaskTokenId;

    // transformers' PreTrainedTokenizerBase.clean_up_tokenization (BERT tokenizers default to
    // clean_up_tokenization_spaces=True), applied to the whole joined string. It has no " do not" rule, and the
    // WordPiece decoder's per-token " do not" rule never matches a single token, so "do not" stays "do not".
    private static StringBuilder CleanUpTokenization(StringBuilder text) =>
        text.Replace(" .", ".")
            .Replace(" ?", "?")
            .Replace(" !", "!")
            .Replace(" ,", ",")
            .Replace(" ' ", "'")
            .Replace(" n't", "n't")
            .Replace(" 'm", "'m")
            .Replace(" 's", "'s")
            .Replace(" 've", "'ve")
            .Replace(" 're", "'re");

    private static string[] ReadVocabulary(byte[] bytes)
    {
        var tokens = new List<string>(32_000);
        using var reader = new StreamReader(new MemoryStream(bytes), Encoding.UTF8);
        while (reader.ReadLine() is { } line)
        {
            tokens.Add(line);
        }

        // A trailing empty line is not a token (vocab.txt ends with a newline).
        if (tokens.Count > 0 && tokens[^1].Length == 0)
        {
            tokens.RemoveAt(tokens.Count - 1);
        }

        ReadOnlySpan<(long Id, string Token)> expected =
        [
            (BlipModelContract.PadTokenId, "[PAD]"),
            (BlipModelContract.UnknownTokenId, "[UNK]"),
            (BlipModelContract.ClassifierTokenId, "[CLS]"),
            (BlipModelContract.SeparatorTokenId, "[SEP]"),
            (BlipModelContract.MaskTokenId, "[MASK]"),
        ];
        foreach (var (id, token) in expected)
        {
            if (id >= tokens.Count || tokens[(int)id] != token)
            {
                throw new InvalidDataException(
                    $"The vocabulary has no {token} at id {id} ({tokens.Count} entries read); BLIP needs bert-base-uncased's vocab.txt.");
            }
        }

        return [.. tokens];
    }
}

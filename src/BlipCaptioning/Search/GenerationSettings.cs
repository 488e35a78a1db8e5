using BlipCaptioning.Model;

namespace BlipCaptioning.Search;

/// <summary>
/// Resolved, validated decoding settings for one generation call, with transformers' meaning
/// (docs/generation.md): lengths count [DEC] and the prompt; <see cref="MaxNewTokens"/> overrides <see cref="MaxLength"/>.
/// </summary>
public sealed record GenerationSettings
{
    /// <summary>The most beams offered (<see cref="ModelLimits.MaxBeams"/>).</summary>
    public const int MaxBeams = ModelLimits.MaxBeams;

    /// <summary>Maximum sequence length including [DEC] and the prompt (transformers' max_length).</summary>
    public int MaxLength { get; init; } = 20;

    /// <summary>If set, at most this many tokens after [DEC] and the prompt; overrides <see cref="MaxLength"/>.</summary>
    public int? MaxNewTokens { get; init; }

    /// <summary>Minimum sequence length including [DEC] and the prompt; the end-of-sequence id is blocked until it is reached.</summary>
    public int MinLength { get; init; }

    /// <summary>1: greedy search; 2 to <see cref="MaxBeams"/>: beam search.</summary>
    public int NumBeams { get; init; } = 1;

    /// <summary>Beam search: a finished hypothesis scores sum(log-probabilities) / generated_length ^ LengthPenalty.</summary>
    public double LengthPenalty { get; init; } = 1.0;

    /// <summary>Beam search: true stops an image as soon as it has <see cref="NumBeams"/> finished hypotheses; false uses transformers' heuristic.</summary>
    public bool EarlyStopping { get; init; }

    /// <summary>transformers' RepetitionPenaltyLogitsProcessor factor; 1 disables it.</summary>
    public double RepetitionPenalty { get; init; } = 1.0;

    /// <summary>transformers' NoRepeatNGramLogitsProcessor size; 0 disables it.</summary>
    public int NoRepeatNgramSize { get; init; }

    /// <summary>Id that ends a sequence: [SEP] 102 for BLIP (kept in the output).</summary>
    public long EndOfSequenceTokenId { get; init; } = BlipModelContract.SeparatorTokenId;

    /// <summary>Id written after a row has finished while other rows of the batch go on: [PAD] 0.</summary>
    public long PadTokenId { get; init; } = BlipModelContract.PadTokenId;

    /// <summary>The decoder's position table size (512 for BLIP); the sequence never grows beyond it.</summary>
    public int MaxPositions { get; init; } = 512;

    /// <summary>transformers' defaults for Salesforce/blip-image-captioning-base: greedy, max_length 20, eos 102, pad 0.</summary>
    public static GenerationSettings Default { get; } = new();

    /// <summary>
    /// The settings of one call. The caller's <paramref name="settings"/> win; without them the model's
    /// <paramref name="defaults"/> (its manifest, i.e. generation_config.json) apply, else transformers' defaults.
    /// </summary>
    /// <param name="settings">The caller's settings (complete: their defaults are transformers' defaults), or null.</param>
    /// <param name="defaults">The model's generation defaults from its manifest, or null.</param>
    /// <param name="tokens">The model's special ids (end of sequence, pad), or null for BLIP's 102 and 0.</param>
    /// <param name="maxPositions">The decoder's position table size (manifest text.max_positions).</param>
    /// <returns>Settings validated as far as they can be without the prompt (see <see cref="Validate"/>).</returns>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range; the message names it and its allowed range.</exception>
    public static GenerationSettings Resolve(CaptionSettings? settings, GenerationDefaults? defaults = null, SpecialTokenIds? tokens = null, int maxPositions = 512)
    {
        var resolved = settings is not null
            ? new GenerationSettings
            {
                MaxLength = settings.MaxLength,
                MaxNewTokens = settings.MaxNewTokens,
                MinLength = settings.MinLength,
                NumBeams = settings.NumBeams,
                LengthPenalty = settings.LengthPenalty,
                EarlyStopping = settings.EarlyStopping,
                RepetitionPenalty = settings.RepetitionPenalty,
                NoRepeatNgramSize = settings.NoRepeatNgramSize,
            }
            : defaults is not null
                ? new GenerationSettings
                {
                    MaxLength = defaults.MaxLength,
                    MinLength = defaults.MinLength,
                    NumBeams = defaults.NumBeams,
                    LengthPenalty = defaults.LengthPenalty,
                    EarlyStopping = defaults.EarlyStopping,
                    RepetitionPenalty = defaults.RepetitionPenalty,
                    NoRepeatNgramSize = defaults.NoRepeatNgramSize,
                }
                : new GenerationSettings();

        resolved = resolved with
        {
            EndOfSequenceTokenId = tokens?.Separator ?? BlipModelContract.SeparatorTokenId,
            PadTokenId = tokens?.Pad ?? BlipModelContract.PadTokenId,
            MaxPositions = maxPositions,
        };
        resolved.ValidateIndependentOfPrompt();
        return resolved;
    }

    /// <summary>The maximum sequence length for a decoder start of <paramref name="promptLength"/> ids ([DEC] plus the prompt).</summary>
    /// <param name="promptLength">Length of the decoder start.</param>
    /// <returns><c>promptLength + MaxNewTokens</c> when <see cref="MaxNewTokens"/> is set, else <see cref="MaxLength"/>.</returns>
    public int EffectiveMaxLength(int promptLength) => MaxNewTokens is { } newTokens ? promptLength + newTokens : MaxLength;

    /// <summary>Checks every setting against the decoder start length.</summary>
    /// <param name="promptLength">Length of the decoder start ([DEC] plus the prompt ids), at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range; the message names it and its allowed range.</exception>
    public void Validate(int promptLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(promptLength, 1);
        ValidateIndependentOfPrompt();
        ValidateAgainstPrompt(promptLength);
    }

    /// <summary>Creates the search strategy these settings ask for: greedy for one beam, beam search otherwise.</summary>
    /// <returns>A <see cref="GreedySearch"/> or a <see cref="BeamSearch"/>.</returns>
    public ISearchStrategy CreateStrategy() => NumBeams == 1 ? new GreedySearch(this) : new BeamSearch(this);

    // The exceptions name the offending setting (the caller's input), not a parameter of this method.
    private void ValidateAgainstPrompt(int promptLength)
    {
        if (promptLength >= MaxPositions)
        {
            throw new ArgumentOutOfRangeException(nameof(promptLength), promptLength,
                $"The prompt is {promptLength - 1} tokens long; with [DEC] it must stay below the decoder's {MaxPositions} positions. Shorten the prompt.");
        }

        var maxLength = EffectiveMaxLength(promptLength);
        if (MaxNewTokens is null && maxLength <= promptLength)
        {
            throw SettingOutOfRange(nameof(MaxLength), MaxLength,
                $"MaxLength counts [DEC] and the prompt ({promptLength} tokens), so it must be greater than {promptLength} to generate anything. Raise MaxLength or set MaxNewTokens.");
        }

        if (maxLength > MaxPositions)
        {
            throw SettingOutOfRange(MaxNewTokens is null ? nameof(MaxLength) : nameof(MaxNewTokens), maxLength,
                $"The sequence may grow to {maxLength} tokens ([DEC] + prompt + new tokens) but the decoder has {MaxPositions} positions. Lower MaxLength/MaxNewTokens or shorten the prompt.");
        }

        if (MinLength > maxLength)
        {
            throw SettingOutOfRange(nameof(MinLength), MinLength,
                $"MinLength ({MinLength}) is greater than the maximum sequence length ({maxLength}); the caption could never end. Lower MinLength or raise MaxLength.");
        }
    }

    private void ValidateIndependentOfPrompt()
    {
        if (NumBeams is < 1 or > MaxBeams)
        {
            throw SettingOutOfRange(nameof(NumBeams), NumBeams, $"NumBeams must be between 1 (greedy) and {MaxBeams}.");
        }

        if (MaxNewTokens is < 1)
        {
            throw SettingOutOfRange(nameof(MaxNewTokens), MaxNewTokens, "MaxNewTokens must be at least 1 (or unset to use MaxLength).");
        }

        if (MaxLength < 2)
        {
            throw SettingOutOfRange(nameof(MaxLength), MaxLength, "MaxLength must be at least 2: it counts [DEC], the prompt and the new tokens.");
        }

        if (MinLength < 0)
        {
            throw SettingOutOfRange(nameof(MinLength), MinLength, "MinLength must be 0 or more.");
        }

        if (!double.IsFinite(LengthPenalty))
        {
            throw SettingOutOfRange(nameof(LengthPenalty), LengthPenalty, "LengthPenalty must be a finite number (1.0 = no length preference).");
        }

        if (!double.IsFinite(RepetitionPenalty) || RepetitionPenalty <= 0)
        {
            throw SettingOutOfRange(nameof(RepetitionPenalty), RepetitionPenalty, "RepetitionPenalty must be a finite number greater than 0 (1.0 = off).");
        }

        if (NoRepeatNgramSize < 0)
        {
            throw SettingOutOfRange(nameof(NoRepeatNgramSize), NoRepeatNgramSize, "NoRepeatNgramSize must be 0 (off) or more.");
        }

        if (MaxPositions < 2)
        {
            throw SettingOutOfRange(nameof(MaxPositions), MaxPositions, "MaxPositions must be at least 2.");
        }

        if (EndOfSequenceTokenId < 0 || PadTokenId < 0)
        {
            throw SettingOutOfRange(nameof(EndOfSequenceTokenId), EndOfSequenceTokenId, "The end-of-sequence and pad ids must not be negative.");
        }
    }

    // Names the offending setting (the caller's input), which is not a parameter of the validating method.
    private static ArgumentOutOfRangeException SettingOutOfRange(string setting, object? value, string message) => new(setting, value, message);
}

namespace BlipCaptioning;

/// <summary>
/// Per-call decoding settings. Defaults are transformers' defaults for Salesforce/blip-image-captioning-base, which has
/// no generation_config.json: greedy, max_length 20 counting [DEC] and the prompt, eos [SEP] 102 (BLIP's generate
/// overrides the config's eos_token_id 2 with sep_token_id). docs/generation.md has the details.
/// </summary>
public sealed record CaptionSettings
{
    /// <summary>Text the caption starts with (conditional captioning), e.g. "a picture of". Null: unconditional.</summary>
    public string? Prompt { get; init; }

    /// <summary>Maximum sequence length including [DEC] and the prompt (transformers' max_length).</summary>
    public int MaxLength { get; init; } = 20;

    /// <summary>If set, overrides <see cref="MaxLength"/>: at most this many generated tokens after [DEC] and the prompt.</summary>
    public int? MaxNewTokens { get; init; }

    /// <summary>Minimum sequence length including [DEC] and the prompt; [SEP] is blocked until it is reached.</summary>
    public int MinLength { get; init; }

    public int NumBeams { get; init; } = 1;

    /// <summary>Beam score = sum of log-probabilities / generated_length ^ LengthPenalty.</summary>
    public double LengthPenalty { get; init; } = 1.0;

    /// <summary>transformers' early_stopping: false (heuristic), true (stop at num_beams finished). "never" is not offered.</summary>
    public bool EarlyStopping { get; init; }

    public double RepetitionPenalty { get; init; } = 1.0;

    public int NoRepeatNgramSize { get; init; }

    /// <summary>Remove the prompt text from the caption, as the original Salesforce code does.</summary>
    public bool StripPrompt { get; init; }

    /// <summary>transformers' defaults for this checkpoint.</summary>
    public static CaptionSettings Default { get; } = new();

    /// <summary>
    /// The original BLIP paper's captioning setting (salesforce/BLIP caption_coco.yaml): prompt "a picture of ",
    /// beam search with 3 beams, max_length 20, min_length 5, prompt stripped from the output.
    /// </summary>
    public static CaptionSettings Paper { get; } = new()
    {
        Prompt = "a picture of ",
        NumBeams = 3,
        MaxLength = 20,
        MinLength = 5,
        StripPrompt = true,
    };
}

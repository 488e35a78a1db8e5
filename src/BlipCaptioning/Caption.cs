namespace BlipCaptioning;

/// <summary>One caption: the text, the full token ids ([DEC], prompt and generated ids), a score and timings.</summary>
/// <param name="Text">The decoded caption (includes the prompt unless <see cref="CaptionSettings.StripPrompt"/>).</param>
/// <param name="TokenIds">Every id of the sequence, starting with [DEC] 30522, as transformers' generate returns it.</param>
/// <param name="Score">Mean log-probability of the generated tokens (natural log); the beam score for beam search.</param>
/// <param name="Image">Facts about the decoded image.</param>
/// <param name="Timings">Per-stage wall-clock times.</param>
public sealed record Caption(string Text, IReadOnlyList<long> TokenIds, double Score, ImageFacts Image, CaptionTimings Timings);

/// <summary>Facts about the decoded input image.</summary>
public sealed record ImageFacts(int Width, int Height, string Format, long Bytes);

/// <summary>Per-stage times of one caption (for a batch, the stage times are the batch's, shared by its captions).</summary>
public sealed record CaptionTimings(TimeSpan Decode, TimeSpan Preprocess, TimeSpan Vision, TimeSpan CrossAttention, TimeSpan Generate, TimeSpan Detokenize, int Steps)
{
    public TimeSpan Total => Decode + Preprocess + Vision + CrossAttention + Generate + Detokenize;
}

/// <summary>What model a captioner runs.</summary>
public sealed record ModelDescription(string Source, string Precision, string Directory);

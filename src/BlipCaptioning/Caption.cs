namespace BlipCaptioning;

/// <summary>
/// One caption: the text, the full token ids ([DEC], prompt and generated ids), a score and timings, with the
/// settings and the model that made it.
/// </summary>
/// <param name="Text">The decoded caption (includes the prompt unless <see cref="CaptionSettings.StripPrompt"/>).</param>
/// <param name="TokenIds">Every id of the sequence, starting with [DEC] 30522, as transformers' generate returns it.</param>
/// <param name="Score">Mean log-probability of the generated tokens (natural log); the beam score for beam search.</param>
/// <param name="Image">Facts about the decoded image.</param>
/// <param name="Timings">Per-stage wall-clock times.</param>
/// <param name="Settings">
/// The decoding settings it was made with: the call's, or when the call passed none, the model's generation defaults
/// overridden by <see cref="CaptioningOptions"/> (<see cref="CaptioningOptions.DefaultCaptionSettings"/>).
/// </param>
/// <param name="Model">The model that made it.</param>
public sealed record Caption(string Text, IReadOnlyList<long> TokenIds, double Score, ImageFacts Image, CaptionTimings Timings,
    CaptionSettings Settings, ModelDescription Model);

/// <summary>Facts about the decoded input image.</summary>
public sealed record ImageFacts(int Width, int Height, string Format, long Bytes);

/// <summary>Per-stage times of one caption (for a batch, the stage times are the batch's, shared by its captions).</summary>
public sealed record CaptionTimings(TimeSpan Decode, TimeSpan Preprocess, TimeSpan Vision, TimeSpan CrossAttention, TimeSpan Generate, TimeSpan Detokenize, int Steps)
{
    public TimeSpan Total => Decode + Preprocess + Vision + CrossAttention + Generate + Detokenize;
}

/// <summary>What model a captioner runs.</summary>
/// <param name="Source">Where its weights came from (the manifest's <c>source</c>: a hub repository, a folder, or "random:preset:seed").</param>
/// <param name="Precision">"fp32" or "int8".</param>
/// <param name="Directory">The model folder (full path).</param>
/// <param name="Fingerprint">
/// Identifies the model's contents: 16 hex digits of the SHA-256 of its manifest, which records the SHA-256 of every
/// graph and data file, so two models share it only when they were built from the same weights the same way.
/// </param>
public sealed record ModelDescription(string Source, string Precision, string Directory, string Fingerprint);

namespace BlipCaptioning.Search;

/// <summary>The sequence generated for one image.</summary>
/// <param name="Ids">The full sequence as transformers returns it: [DEC], the prompt ids, the generated ids, and
/// [SEP] when the sequence ended (no trailing padding).</param>
/// <param name="PromptLength">Length of the decoder start ([DEC] plus the prompt ids) at the front of <paramref name="Ids"/>.</param>
/// <param name="Score">Greedy: mean log-probability of the generated tokens (after the logits processors);
/// beam search: the winning hypothesis' score, sum of log-probabilities / generated_length ^ length_penalty.</param>
/// <param name="Steps">Decoder steps the image took part in before it finished.</param>
/// <param name="Ended">True when the sequence ended with the end-of-sequence id, false when it hit the maximum length.</param>
public sealed record GeneratedSequence(IReadOnlyList<long> Ids, int PromptLength, double Score, int Steps, bool Ended)
{
    /// <summary>The ids after the prompt (including [SEP] when <see cref="Ended"/>).</summary>
    public IEnumerable<long> GeneratedIds => Ids.Skip(PromptLength);
}

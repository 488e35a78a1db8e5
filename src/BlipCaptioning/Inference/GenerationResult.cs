namespace BlipCaptioning.Inference;

/// <summary>The outcome of one search over a batch of images: per image the full id sequence and its score, and the decoder steps run.</summary>
internal sealed record GenerationResult(IReadOnlyList<long[]> Sequences, IReadOnlyList<double> Scores, int Steps);

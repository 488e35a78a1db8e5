namespace BlipCaptioning.Conversion.Checkpoints;

/// <summary>
/// A loaded BlipForConditionalGeneration checkpoint: its architecture and its weights keyed by the state-dict
/// names transformers uses (e.g. <c>vision_model.embeddings.class_embedding</c>).
/// </summary>
public sealed record BlipCheckpoint(BlipArchitecture Architecture, IReadOnlyDictionary<string, CheckpointTensor> Weights, string Source)
{
    public CheckpointTensor this[string name] => Weights.TryGetValue(name, out var tensor)
        ? tensor
        : throw new KeyNotFoundException($"The checkpoint has no weight named '{name}'.");
}

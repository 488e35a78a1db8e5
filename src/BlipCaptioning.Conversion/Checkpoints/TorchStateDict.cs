namespace BlipCaptioning.Conversion.Checkpoints;

/// <summary>
/// The tensors of a torch state dict, in the file's order: float weights (float32, or float16/bfloat16 widened to
/// float32) and int64 buffers, kept apart. <see cref="Names"/> lists every entry of the file, loaded or not.
/// </summary>
public sealed record TorchStateDict(
    IReadOnlyList<string> Names,
    IReadOnlyDictionary<string, CheckpointTensor> FloatTensors,
    IReadOnlyDictionary<string, IntegerTensor> IntegerTensors)
{
    /// <summary>Tensors not loaded because their shape differs from the one expected (name and actual shape).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<int>> Misshapen { get; init; } = new Dictionary<string, IReadOnlyList<int>>();
}

namespace BlipCaptioning.Conversion.Checkpoints;

/// <summary>The name and torch shape of one float32 tensor, without its values (used to stream large checkpoints).</summary>
public sealed record TensorLayout(string Name, IReadOnlyList<int> Shape)
{
    /// <summary>The product of the shape's dimensions (1 for a scalar).</summary>
    public long ElementCount => Shape.Aggregate(1L, (product, dimension) => product * dimension);

    public static TensorLayout Of(CheckpointTensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return new TensorLayout(tensor.Name, tensor.Shape);
    }
}

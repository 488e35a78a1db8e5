namespace BlipCaptioning.Conversion.Checkpoints;

/// <summary>One float32 weight of a checkpoint, row-major, with its torch shape.</summary>
public sealed record CheckpointTensor(string Name, IReadOnlyList<int> Shape, float[] Data)
{
    public long ElementCount => Data.LongLength;
}

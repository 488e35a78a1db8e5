namespace BlipCaptioning.Conversion.Checkpoints;

/// <summary>An int64 tensor of a checkpoint (a buffer such as <c>position_ids</c>, never a weight), row-major.</summary>
public sealed record IntegerTensor(string Name, IReadOnlyList<int> Shape, long[] Data);

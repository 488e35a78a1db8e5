namespace BlipCaptioning.Conversion.Onnx;

/// <summary>A graph input or output: name, element type and shape.</summary>
internal sealed record OnnxValueInfo(string Name, OnnxElementType ElementType, IReadOnlyList<OnnxDimension> Shape);

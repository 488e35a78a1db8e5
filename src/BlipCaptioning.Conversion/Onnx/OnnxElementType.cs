namespace BlipCaptioning.Conversion.Onnx;

/// <summary>The element types this project's graphs use, with ONNX's <c>TensorProto.DataType</c> numbers.</summary>
internal enum OnnxElementType
{
    Float32 = 1,
    UInt8 = 2,
    Int8 = 3,
    Int64 = 7,
    Bool = 9,
}

using System.Runtime.InteropServices;
using Google.Protobuf;

namespace BlipCaptioning.Conversion.Onnx;

/// <summary>
/// The contents of one initializer, written as raw little-endian bytes either inside the graph or into its
/// external data file. Transposed weights are produced while writing, so a checkpoint is never held twice.
/// </summary>
internal abstract class OnnxTensorData
{
    private OnnxTensorData(OnnxElementType elementType, long[] dims)
    {
        ElementType = elementType;
        Dims = dims;
    }

    public OnnxElementType ElementType { get; }

    public IReadOnlyList<long> Dims { get; }

    public long ElementCount => Dims.Aggregate(1L, (product, dim) => product * dim);

    public abstract long ByteLength { get; }

    /// <summary>Writes the raw little-endian bytes.</summary>
    public abstract void WriteTo(Stream stream);

    public ByteString ToByteString()
    {
        using var buffer = new MemoryStream(checked((int)ByteLength));
        WriteTo(buffer);
        return ByteString.CopyFrom(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>Float32 values in row-major order with the given shape (the array is referenced, not copied).</summary>
    public static OnnxTensorData Floats(float[] values, params long[] dims) => new FloatTensor(values, dims);

    /// <summary>
    /// A torch Linear weight [rows = out, cols = in] stored transposed as [in, out], so that y = x·Wᵀ + b becomes
    /// MatMul(x, W') + b.
    /// </summary>
    public static OnnxTensorData TransposedMatrix(float[] values, int rows, int cols) => new TransposedFloatTensor(values, rows, cols);

    public static OnnxTensorData Int64s(long[] values, params long[] dims) => new Int64Tensor(values, dims);

    /// <summary>int8 values in row-major order (the array is referenced, not copied).</summary>
    public static OnnxTensorData Int8s(sbyte[] values, params long[] dims) => new Int8Tensor(values, dims);

    /// <summary>uint8 values in row-major order (the array is referenced, not copied).</summary>
    public static OnnxTensorData UInt8s(byte[] values, params long[] dims) => new ByteTensor(OnnxElementType.UInt8, values, dims);

    private static void CheckCount(long expected, long actual)
    {
        if (expected != actual)
        {
            throw new ArgumentException($"A tensor of this shape holds {expected} values but {actual} were given.");
        }
    }

    private sealed class FloatTensor : OnnxTensorData
    {
        private readonly float[] _values;

        public FloatTensor(float[] values, long[] dims) : base(OnnxElementType.Float32, dims)
        {
            CheckCount(ElementCount, values.LongLength);
            _values = values;
        }

        public override long ByteLength => _values.LongLength * sizeof(float);

        public override void WriteTo(Stream stream) => stream.Write(MemoryMarshal.AsBytes(_values.AsSpan()));
    }

    private sealed class TransposedFloatTensor : OnnxTensorData
    {
        private readonly float[] _values;
        private readonly int _rows;
        private readonly int _cols;

        public TransposedFloatTensor(float[] values, int rows, int cols) : base(OnnxElementType.Float32, [cols, rows])
        {
            CheckCount((long)rows * cols, values.LongLength);
            _values = values;
            _rows = rows;
            _cols = cols;
        }

        public override long ByteLength => _values.LongLength * sizeof(float);

        public override void WriteTo(Stream stream)
        {
            // Blocks of output rows (input features) keep the reads cache-friendly and the extra memory small.
            const int Block = 16;
            var buffer = new float[Block * _rows];
            for (var c0 = 0; c0 < _cols; c0 += Block)
            {
                var width = Math.Min(Block, _cols - c0);
                for (var r = 0; r < _rows; r++)
                {
                    var source = (long)r * _cols;
                    for (var c = 0; c < width; c++)
                    {
                        buffer[(c * _rows) + r] = _values[source + c0 + c];
                    }
                }

                stream.Write(MemoryMarshal.AsBytes(buffer.AsSpan(0, width * _rows)));
            }
        }
    }

    private sealed class ByteTensor : OnnxTensorData
    {
        private readonly byte[] _values;

        public ByteTensor(OnnxElementType elementType, byte[] values, long[] dims) : base(elementType, dims)
        {
            CheckCount(ElementCount, values.LongLength);
            _values = values;
        }

        public override long ByteLength => _values.LongLength;

        public override void WriteTo(Stream stream) => stream.Write(_values);
    }

    private sealed class Int8Tensor : OnnxTensorData
    {
        private readonly sbyte[] _values;

        public Int8Tensor(sbyte[] values, long[] dims) : base(OnnxElementType.Int8, dims)
        {
            CheckCount(ElementCount, values.LongLength);
            _values = values;
        }

        public override long ByteLength => _values.LongLength;

        public override void WriteTo(Stream stream) => stream.Write(MemoryMarshal.AsBytes(_values.AsSpan()));
    }

    private sealed class Int64Tensor : OnnxTensorData
    {
        private readonly long[] _values;

        public Int64Tensor(long[] values, long[] dims) : base(OnnxElementType.Int64, dims)
        {
            CheckCount(ElementCount, values.LongLength);
            _values = values;
        }

        public override long ByteLength => _values.LongLength * sizeof(long);

        public override void WriteTo(Stream stream) => stream.Write(MemoryMarshal.AsBytes(_values.AsSpan()));
    }
}

using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace BlipCaptioning.Conversion.CheckpointWriting;

/// <summary>One state dict entry to pickle: a contiguous float32 tensor over the whole storage <paramref name="StorageKey"/>.</summary>
internal sealed record PickledTensor(string Name, IReadOnlyList<int> Shape, string StorageKey, long StorageElements);

/// <summary>
/// Writes a state dict's <c>data.pkl</c> with pickle protocol 2, as torch.save does: an OrderedDict of
/// <c>torch._utils._rebuild_tensor_v2(persistent storage, offset, size, stride, requires_grad, OrderedDict())</c>.
/// </summary>
internal sealed class TorchPickleWriter
{
    private const int BatchSize = 1000;

    private readonly ArrayBufferWriter<byte> _buffer = new();
    private readonly Dictionary<string, int> _memo = new(StringComparer.Ordinal);

    public static byte[] Write(IReadOnlyList<PickledTensor> tensors)
    {
        var writer = new TorchPickleWriter();
        writer.WriteStateDict(tensors);
        return writer._buffer.WrittenSpan.ToArray();
    }

    private void WriteStateDict(IReadOnlyList<PickledTensor> tensors)
    {
        WriteByte(0x80);
        WriteByte(2);
        Global("collections", "OrderedDict");
        WriteByte((byte)')');
        WriteByte((byte)'R');
        for (var start = 0; start < tensors.Count; start += BatchSize)
        {
            var count = Math.Min(BatchSize, tensors.Count - start);
            if (count > 1)
            {
                WriteByte((byte)'(');
            }

            for (var index = start; index < start + count; index++)
            {
                WriteTensor(tensors[index]);
            }

            WriteByte(count > 1 ? (byte)'u' : (byte)'s');
        }

        WriteByte((byte)'.');
    }

    private void WriteTensor(PickledTensor tensor)
    {
        String(tensor.Name);
        Global("torch._utils", "_rebuild_tensor_v2");
        WriteByte((byte)'(');
        WriteByte((byte)'(');
        MemoString("storage");
        Global("torch", "FloatStorage");
        String(tensor.StorageKey);
        MemoString("cpu");
        Integer(tensor.StorageElements);
        WriteByte((byte)'t');
        WriteByte((byte)'Q');
        Integer(0);
        Tuple(tensor.Shape.Select(dimension => (long)dimension).ToArray());
        Tuple(ContiguousStrides(tensor.Shape));
        WriteByte(0x89);
        Global("collections", "OrderedDict");
        WriteByte((byte)')');
        WriteByte((byte)'R');
        WriteByte((byte)'t');
        WriteByte((byte)'R');
    }

    private void WriteByte(byte value) => _buffer.Write<byte>([value]);

    private static long[] ContiguousStrides(IReadOnlyList<int> shape)
    {
        var strides = new long[shape.Count];
        var stride = 1L;
        for (var dimension = shape.Count - 1; dimension >= 0; dimension--)
        {
            strides[dimension] = stride;
            stride *= shape[dimension];
        }

        return strides;
    }

    private void Tuple(long[] values)
    {
        if (values.Length is 0)
        {
            WriteByte((byte)')');
            return;
        }

        if (values.Length > 3)
        {
            WriteByte((byte)'(');
        }

        foreach (var value in values)
        {
            Integer(value);
        }

        WriteByte(values.Length switch { 1 => 0x85, 2 => 0x86, 3 => 0x87, _ => (byte)'t' });
    }

    private void Integer(long value)
    {
        Span<byte> bytes = stackalloc byte[8];
        if (value is >= 0 and < 256)
        {
            WriteByte((byte)'K');
            WriteByte((byte)value);
        }
        else if (value is >= 0 and < 65536)
        {
            WriteByte((byte)'M');
            BinaryPrimitives.WriteUInt16LittleEndian(bytes, (ushort)value);
            _buffer.Write<byte>(bytes[..2]);
        }
        else if (value is >= int.MinValue and <= int.MaxValue)
        {
            WriteByte((byte)'J');
            BinaryPrimitives.WriteInt32LittleEndian(bytes, (int)value);
            _buffer.Write<byte>(bytes[..4]);
        }
        else
        {
            WriteByte(0x8a);
            WriteByte(8);
            BinaryPrimitives.WriteInt64LittleEndian(bytes, value);
            _buffer.Write<byte>(bytes);
        }
    }

    private void String(string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)bytes.Length);
        WriteByte((byte)'X');
        _buffer.Write<byte>(length);
        _buffer.Write<byte>(bytes);
    }

    private void MemoString(string value)
    {
        if (!Get("str:" + value))
        {
            String(value);
            Put("str:" + value);
        }
    }

    private void Global(string module, string name)
    {
        var key = $"global:{module}.{name}";
        if (!Get(key))
        {
            WriteByte((byte)'c');
            _buffer.Write<byte>(Encoding.UTF8.GetBytes($"{module}\n{name}\n"));
            Put(key);
        }
    }

    private bool Get(string key)
    {
        if (!_memo.TryGetValue(key, out var index))
        {
            return false;
        }

        WriteByte((byte)'h');
        WriteByte((byte)index);
        return true;
    }

    private void Put(string key)
    {
        var index = _memo.Count;
        _memo[key] = index;
        WriteByte((byte)'q');
        WriteByte((byte)index);
    }
}

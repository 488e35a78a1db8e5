using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Encodings.Web;
using System.Text.Json;
using BlipCaptioning.Conversion.Checkpoints;

namespace BlipCaptioning.Conversion.CheckpointWriting;

/// <summary>
/// Writes float32 tensors as a <c>.safetensors</c> file the way the Python library does: header keys sorted,
/// <c>__metadata__ {"format": "pt"}</c>, header padded with spaces to a multiple of 8 bytes, data in key order.
/// </summary>
public static class SafetensorsWriter
{
    /// <summary>Writes tensors that are already in memory.</summary>
    public static void Write(string path, IEnumerable<CheckpointTensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var byName = tensors.ToDictionary(tensor => tensor.Name, StringComparer.Ordinal);
        Write(path, byName.Values.Select(TensorLayout.Of).ToList(), layout => byName[layout.Name].Data);
    }

    /// <summary>
    /// Writes the tensors of <paramref name="layout"/>, asking <paramref name="produce"/> for each one's values only
    /// when it is written, so a large checkpoint never needs to be in memory at once.
    /// </summary>
    public static void Write(string path, IReadOnlyList<TensorLayout> layout, Func<TensorLayout, float[]> produce)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(produce);
        var sorted = layout.OrderBy(item => item.Name, StringComparer.Ordinal).ToList();
        var duplicate = sorted.Zip(sorted.Skip(1)).FirstOrDefault(pair => pair.First.Name == pair.Second.Name);
        if (duplicate.First is not null)
        {
            throw new ArgumentException($"The tensor name '{duplicate.First.Name}' appears twice.", nameof(layout));
        }

        var header = BuildHeader(sorted);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        Span<byte> lengthBytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(lengthBytes, (ulong)header.Length);
        stream.Write(lengthBytes);
        stream.Write(header);
        foreach (var item in sorted)
        {
            var data = produce(item);
            if (data.LongLength != item.ElementCount)
            {
                throw new InvalidOperationException(
                    $"Tensor '{item.Name}' has {data.LongLength} values but its shape [{string.Join(", ", item.Shape)}] needs {item.ElementCount}.");
            }

            WriteFloats(stream, data);
        }
    }

    internal static void WriteFloats(Stream stream, float[] data)
    {
        if (BitConverter.IsLittleEndian)
        {
            stream.Write(MemoryMarshal.AsBytes(data.AsSpan()));
            return;
        }

        var buffer = new byte[4];
        foreach (var value in data)
        {
            BinaryPrimitives.WriteSingleLittleEndian(buffer, value);
            stream.Write(buffer);
        }
    }

    private static byte[] BuildHeader(IReadOnlyList<TensorLayout> sorted)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteStartObject("__metadata__");
            json.WriteString("format", "pt");
            json.WriteEndObject();
            var offset = 0L;
            foreach (var item in sorted)
            {
                var end = offset + (4 * item.ElementCount);
                json.WriteStartObject(item.Name);
                json.WriteString("dtype", "F32");
                json.WriteStartArray("shape");
                foreach (var dimension in item.Shape)
                {
                    json.WriteNumberValue(dimension);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(end);
                json.WriteEndArray();
                json.WriteEndObject();
                offset = end;
            }

            json.WriteEndObject();
        }

        var length = (int)buffer.Length;
        var padded = (length + 7) / 8 * 8;
        var header = new byte[padded];
        buffer.GetBuffer().AsSpan(0, length).CopyTo(header);
        header.AsSpan(length).Fill((byte)' ');
        return header;
    }
}

using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Unicode;
using BlipCaptioning.Files;
using Microsoft.Win32.SafeHandles;

namespace BlipCaptioning.Conversion.Checkpoints;

/// <summary>
/// Reads a <c>.safetensors</c> file: an 8-byte little-endian header length, a JSON header, then raw tensor bytes.
/// The header is validated against the file size when the file is opened; tensors are read one at a time straight
/// from the file (no copy of the whole file in memory). F32 is read as is; F16 and BF16 are widened to float32;
/// other dtypes are refused.
/// </summary>
public sealed class SafetensorsReader : IDisposable
{
    /// <summary>The largest header accepted (the safetensors format's own limit).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private const int ConversionChunkElements = 1 << 20;

    private readonly SafeFileHandle _file;
    private readonly long _dataStart;
    private readonly Dictionary<string, SafetensorsEntry> _byName;

    private SafetensorsReader(string path, SafeFileHandle file, long dataStart, List<SafetensorsEntry> entries, IReadOnlyDictionary<string, string> metadata)
    {
        FilePath = path;
        _file = file;
        _dataStart = dataStart;
        Entries = entries;
        Metadata = metadata;
        _byName = entries.ToDictionary(entry => entry.Name, StringComparer.Ordinal);
    }

    public string FilePath { get; }

    /// <summary>The tensors in the header, ordered by their position in the data section.</summary>
    public IReadOnlyList<SafetensorsEntry> Entries { get; }

    /// <summary>The header's <c>__metadata__</c> strings (e.g. format = pt); empty when absent.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Opens <paramref name="path"/> and validates its header.</summary>
    public static SafetensorsReader Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new CheckpointFormatException($"{path} does not exist.");
        }

        BoundedFile.RequireRegularFile(path, message => new CheckpointFormatException(message));
        var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        try
        {
            var (dataStart, entries, metadata) = ReadHeader(path, file);
            return new SafetensorsReader(path, file, dataStart, entries, metadata);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Reads every tensor of the file as float32, keyed by name (refuses any non-float tensor).</summary>
    public static IReadOnlyDictionary<string, CheckpointTensor> ReadAll(string path)
    {
        using var reader = Open(path);
        return reader.Entries.ToDictionary(entry => entry.Name, entry => reader.ReadTensor(entry.Name), StringComparer.Ordinal);
    }

    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>Reads one tensor as float32.</summary>
    public CheckpointTensor ReadTensor(string name)
    {
        if (!_byName.TryGetValue(name, out var entry))
        {
            throw new CheckpointFormatException($"{FilePath} has no tensor named '{name}'.");
        }

        if (!entry.IsFloatingPoint)
        {
            throw new CheckpointFormatException(
                $"{FilePath}: tensor '{name}' has dtype {entry.DType}; only F32, F16 and BF16 weights can be read (convert the checkpoint to float32).");
        }

        var data = new float[checked((int)entry.ElementCount)];
        var offset = _dataStart + entry.Begin;
        if (entry.DType == "F32")
        {
            ReadExactly(MemoryMarshal.AsBytes(data.AsSpan()), offset);
            if (!BitConverter.IsLittleEndian)
            {
                var raw = MemoryMarshal.Cast<float, int>(data.AsSpan());
                BinaryPrimitives.ReverseEndianness(raw, raw);
            }
        }
        else
        {
            ReadHalfPrecision(entry, data, offset);
        }

        return new CheckpointTensor(name, entry.Shape, data);
    }

    public void Dispose() => _file.Dispose();

    private void ReadHalfPrecision(SafetensorsEntry entry, float[] destination, long offset)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ConversionChunkElements * 2);
        try
        {
            for (var start = 0; start < destination.Length; start += ConversionChunkElements)
            {
                var count = Math.Min(ConversionChunkElements, destination.Length - start);
                var bytes = buffer.AsSpan(0, count * 2);
                ReadExactly(bytes, offset + (2L * start));
                HalfPrecision.Widen(bytes, destination.AsSpan(start, count), entry.DType == "BF16");
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void ReadExactly(Span<byte> destination, long offset)
    {
        while (destination.Length > 0)
        {
            var read = RandomAccess.Read(_file, destination, offset);
            if (read == 0)
            {
                throw new CheckpointFormatException($"{FilePath} ended early: it is truncated.");
            }

            destination = destination[read..];
            offset += read;
        }
    }

    private static (long DataStart, List<SafetensorsEntry> Entries, IReadOnlyDictionary<string, string> Metadata) ReadHeader(string path, SafeFileHandle file)
    {
        var fileLength = RandomAccess.GetLength(file);
        if (fileLength < 8)
        {
            throw new CheckpointFormatException($"{path} is {fileLength} bytes long: too short to be a safetensors file.");
        }

        Span<byte> lengthBytes = stackalloc byte[8];
        RandomAccess.Read(file, lengthBytes, 0);
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > MaxHeaderBytes)
        {
            throw new CheckpointFormatException(string.Create(CultureInfo.InvariantCulture,
                $"{path}: the header declares {headerLength:N0} bytes, more than the {MaxHeaderBytes:N0} the safetensors format allows; the file is not a safetensors file or is corrupt."));
        }

        if (headerLength == 0 || headerLength > (ulong)(fileLength - 8))
        {
            throw new CheckpointFormatException(string.Create(CultureInfo.InvariantCulture,
                $"{path}: the header length {headerLength} does not fit the file ({fileLength} bytes); the file is not a safetensors file or is truncated."));
        }

        var header = new byte[(int)headerLength];
        if (RandomAccess.Read(file, header, 8) != header.Length)
        {
            throw new CheckpointFormatException($"{path}: the header is truncated.");
        }

        var dataStart = 8 + (long)headerLength;
        var dataLength = fileLength - dataStart;

        // The format's header is UTF-8 JSON (the Rust reader refuses anything else); System.Text.Json would only
        // notice invalid UTF-8 in a name when the name is read.
        if (!Utf8.IsValid(header))
        {
            throw new CheckpointFormatException($"{path}: the header is not valid UTF-8 (a tensor name or value holds bytes that are not UTF-8); the header is corrupt.");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header);
        }
        catch (JsonException exception)
        {
            throw new CheckpointFormatException($"{path}: the header is not valid JSON ({exception.Message}).", exception);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new CheckpointFormatException($"{path}: the header must be a JSON object.");
            }

            var entries = new List<SafetensorsEntry>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!names.Add(property.Name))
                {
                    throw new CheckpointFormatException($"{path}: the header names '{property.Name}' twice; the header is corrupt.");
                }

                if (property.Name == "__metadata__")
                {
                    ReadMetadata(path, property.Value, metadata);
                    continue;
                }

                entries.Add(ReadEntry(path, property.Name, property.Value, dataLength));
            }

            // By begin, then end, so that an empty tensor sits before a tensor that starts where it does.
            entries.Sort((left, right) => left.Begin != right.Begin ? left.Begin.CompareTo(right.Begin) : left.End.CompareTo(right.End));
            for (var index = 1; index < entries.Count; index++)
            {
                if (entries[index].Begin < entries[index - 1].End)
                {
                    throw new CheckpointFormatException(
                        $"{path}: tensors '{entries[index - 1].Name}' and '{entries[index].Name}' overlap in the data section; the header is corrupt.");
                }
            }

            return (dataStart, entries, metadata);
        }
    }

    private static void ReadMetadata(string path, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new CheckpointFormatException($"{path}: __metadata__ must be an object of strings.");
        }

        foreach (var item in value.EnumerateObject())
        {
            metadata[item.Name] = item.Value.ValueKind == JsonValueKind.String
                ? item.Value.GetString()!
                : throw new CheckpointFormatException($"{path}: __metadata__.{item.Name} must be a string.");
        }
    }

    private static SafetensorsEntry ReadEntry(string path, string name, JsonElement value, long dataLength)
    {
        CheckpointFormatException Corrupt(string problem) => new($"{path}: tensor '{name}' {problem}; the header is corrupt.");

        if (value.ValueKind != JsonValueKind.Object
            || !value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String
            || !value.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array
            || !value.TryGetProperty("data_offsets", out var offsetsElement) || offsetsElement.ValueKind != JsonValueKind.Array
            || offsetsElement.GetArrayLength() != 2)
        {
            throw Corrupt("needs \"dtype\" (string), \"shape\" (array) and \"data_offsets\" ([begin, end])");
        }

        var shape = new List<int>();
        foreach (var dimension in shapeElement.EnumerateArray())
        {
            shape.Add(dimension.ValueKind == JsonValueKind.Number && dimension.TryGetInt32(out var size) && size >= 0
                ? size
                : throw Corrupt($"has an invalid dimension {dimension.GetRawText()} in its shape"));
        }

        var begin = offsetsElement[0].ValueKind == JsonValueKind.Number && offsetsElement[0].TryGetInt64(out var b) ? b : -1;
        var end = offsetsElement[1].ValueKind == JsonValueKind.Number && offsetsElement[1].TryGetInt64(out var e) ? e : -1;
        if (begin < 0 || end < begin || end > dataLength)
        {
            throw Corrupt(string.Create(CultureInfo.InvariantCulture,
                $"has data_offsets [{offsetsElement[0].GetRawText()}, {offsetsElement[1].GetRawText()}] outside the {dataLength}-byte data section (is the file truncated?)"));
        }

        var dtype = dtypeElement.GetString()!;
        var entry = new SafetensorsEntry(name, dtype, shape, begin, end);
        var elementCount = shape.Aggregate(1L, (product, dimension) => product > Array.MaxLength ? product : product * dimension);
        if (elementCount > Array.MaxLength)
        {
            throw Corrupt($"has {elementCount} elements, more than one array can hold");
        }

        if (ElementSize(dtype) is { } elementSize && elementCount * elementSize != end - begin)
        {
            throw Corrupt($"spans {end - begin} bytes but its shape [{string.Join(", ", shape)}] of {dtype} needs {elementCount * elementSize}");
        }

        return entry;
    }

    private static int? ElementSize(string dtype) => dtype switch
    {
        "F64" or "I64" or "U64" => 8,
        "F32" or "I32" or "U32" => 4,
        "F16" or "BF16" or "I16" or "U16" => 2,
        "I8" or "U8" or "BOOL" or "F8_E4M3" or "F8_E5M2" => 1,
        _ => null,
    };
}

using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace BlipCaptioning.Testing;

/// <summary>Builds pickle bytes opcode by opcode, and torch-like zip files around them, for tests.</summary>
public sealed class HandmadePickle
{
    private readonly List<byte> _bytes = [0x80, 0x02];

    public HandmadePickle Op(char opcode) => Op((byte)opcode);

    public HandmadePickle Op(byte opcode)
    {
        _bytes.Add(opcode);
        return this;
    }

    public HandmadePickle Global(string module, string name)
    {
        _bytes.Add((byte)'c');
        _bytes.AddRange(Encoding.UTF8.GetBytes($"{module}\n{name}\n"));
        return this;
    }

    public HandmadePickle Text(string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        _bytes.Add((byte)'X');
        var length = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, bytes.Length);
        _bytes.AddRange(length);
        _bytes.AddRange(bytes);
        return this;
    }

    public HandmadePickle Int(int value)
    {
        _bytes.Add((byte)'J');
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
        _bytes.AddRange(bytes);
        return this;
    }

    public HandmadePickle IntTuple(params int[] values)
    {
        Op('(');
        foreach (var value in values)
        {
            Int(value);
        }

        return Op('t');
    }

    /// <summary>key → _rebuild_tensor_v2(('storage', torch.&lt;type&gt;, storageKey, 'cpu', numel), offset, size, stride, False, OrderedDict()).</summary>
    public HandmadePickle Tensor(string name, string storageType, string storageKey, int storageElements, int offset, int[] size, int[] stride)
    {
        Text(name).Global("torch._utils", "_rebuild_tensor_v2").Op('(');
        Op('(').Text("storage").Global("torch", storageType).Text(storageKey).Text("cpu").Int(storageElements).Op('t').Op('Q');
        Int(offset).IntTuple(size).IntTuple(stride).Op(0x89).Global("collections", "OrderedDict").Op(')').Op('R');
        return Op('t').Op('R');
    }

    public HandmadePickle StartStateDict() => Global("collections", "OrderedDict").Op(')').Op('R').Op('(');

    public HandmadePickle EndStateDict() => Op('u').Op('.');

    public byte[] ToArray() => [.. _bytes];

    /// <summary>Writes a zip laid out like torch.save's: archive/data.pkl, archive/data/&lt;key&gt;, archive/version.</summary>
    public static void WriteTorchZip(string path, byte[] pickle, IReadOnlyDictionary<string, byte[]>? storages = null)
    {
        File.Delete(path);
        using var archive = ZipFile.Open(path, ZipArchiveMode.Create);
        Add(archive, "archive/data.pkl", pickle);
        foreach (var (key, data) in storages ?? new Dictionary<string, byte[]>())
        {
            Add(archive, $"archive/data/{key}", data);
        }

        Add(archive, "archive/version", "3\n"u8.ToArray());
    }

    public static byte[] Floats(params float[] values) => values.SelectMany(BitConverter.GetBytes).ToArray();

    public static byte[] Longs(params long[] values) => values.SelectMany(BitConverter.GetBytes).ToArray();

    private static void Add(ZipArchive archive, string name, byte[] data)
    {
        using var stream = archive.CreateEntry(name, CompressionLevel.NoCompression).Open();
        stream.Write(data);
    }
}

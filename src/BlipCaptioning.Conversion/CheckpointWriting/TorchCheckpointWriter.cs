using System.Runtime.InteropServices;
using System.Text;
using BlipCaptioning.Conversion.Checkpoints;

namespace BlipCaptioning.Conversion.CheckpointWriting;

/// <summary>
/// Writes a float32 state dict in torch.save's zip format, as the hub's <c>pytorch_model.bin</c> files are:
/// <c>archive/data.pkl</c> (pickle protocol 2), <c>archive/byteorder</c> ("little"), <c>archive/data/0..N</c> and
/// <c>archive/version</c> ("3"), stored uncompressed with data aligned to 64 bytes. <c>torch.load</c> reads it.
/// </summary>
public static class TorchCheckpointWriter
{
    /// <summary>The record folder torch.save uses inside the zip.</summary>
    public const string DefaultArchiveName = "archive";

    /// <summary>Writes tensors that are already in memory, in the given order.</summary>
    public static void Write(string path, IEnumerable<CheckpointTensor> tensors, string archiveName = DefaultArchiveName)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var list = tensors.ToList();
        var byName = new Dictionary<string, CheckpointTensor>(StringComparer.Ordinal);
        foreach (var tensor in list)
        {
            if (!byName.TryAdd(tensor.Name, tensor))
            {
                throw new ArgumentException($"The tensor name '{tensor.Name}' appears twice.", nameof(tensors));
            }
        }

        Write(path, list.Select(TensorLayout.Of).ToList(), layout => byName[layout.Name].Data, sharedStorage: null, archiveName);
    }

    /// <summary>
    /// Writes the state dict <paramref name="layout"/> (in that order), asking <paramref name="produce"/> for each
    /// tensor's values only when its storage is written. An entry of <paramref name="sharedStorage"/> (name → other
    /// name) makes that tensor share the other's storage, as tied weights do in torch; it is not produced.
    /// </summary>
    public static void Write(
        string path,
        IReadOnlyList<TensorLayout> layout,
        Func<TensorLayout, float[]> produce,
        IReadOnlyDictionary<string, string>? sharedStorage = null,
        string archiveName = DefaultArchiveName)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(produce);
        ArgumentException.ThrowIfNullOrEmpty(archiveName);
        sharedStorage ??= new Dictionary<string, string>();

        var (pickled, owners) = AssignStorages(layout, sharedStorage);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        var zip = new TorchZipWriter(stream, archiveName);
        zip.WriteRecord("data.pkl", TorchPickleWriter.Write(pickled));
        zip.WriteRecord("byteorder", "little"u8);
        foreach (var (key, owner) in owners.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            var data = produce(owner);
            if (data.LongLength != owner.ElementCount)
            {
                throw new InvalidOperationException(
                    $"Tensor '{owner.Name}' has {data.LongLength} values but its shape [{string.Join(", ", owner.Shape)}] needs {owner.ElementCount}.");
            }

            zip.WriteRecord($"data/{key}", AsLittleEndianBytes(data));
        }

        zip.WriteRecord("version", Encoding.ASCII.GetBytes("3\n"));
        zip.Finish();
    }

    private static (List<PickledTensor> Pickled, Dictionary<string, TensorLayout> Owners) AssignStorages(
        IReadOnlyList<TensorLayout> layout, IReadOnlyDictionary<string, string> sharedStorage)
    {
        var byName = new Dictionary<string, TensorLayout>(StringComparer.Ordinal);
        foreach (var item in layout)
        {
            if (!byName.TryAdd(item.Name, item))
            {
                throw new ArgumentException($"The tensor name '{item.Name}' appears twice.", nameof(layout));
            }
        }

        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        var owners = new Dictionary<string, TensorLayout>(StringComparer.Ordinal);
        foreach (var item in layout.Where(item => !sharedStorage.ContainsKey(item.Name)))
        {
            var key = owners.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
            keys[item.Name] = key;
            owners[key] = item;
        }

        var pickled = new List<PickledTensor>();
        foreach (var item in layout)
        {
            var ownerName = item.Name;
            if (sharedStorage.TryGetValue(item.Name, out var target))
            {
                if (!byName.TryGetValue(target, out var targetLayout) || sharedStorage.ContainsKey(target))
                {
                    throw new ArgumentException($"'{item.Name}' shares the storage of '{target}', which is not a stored tensor of the layout.", nameof(sharedStorage));
                }

                if (!targetLayout.Shape.SequenceEqual(item.Shape))
                {
                    throw new ArgumentException($"'{item.Name}' and '{target}' share a storage but have different shapes.", nameof(sharedStorage));
                }

                ownerName = target;
            }

            var owner = byName[ownerName];
            pickled.Add(new PickledTensor(item.Name, item.Shape, keys[ownerName], owner.ElementCount));
        }

        return (pickled, owners);
    }

    private static ReadOnlySpan<byte> AsLittleEndianBytes(float[] data)
    {
        if (BitConverter.IsLittleEndian)
        {
            return MemoryMarshal.AsBytes(data.AsSpan());
        }

        var bytes = new byte[4L * data.Length];
        for (var index = 0; index < data.Length; index++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * index), data[index]);
        }

        return bytes;
    }
}

using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text;
using BlipCaptioning.Conversion.Checkpoints.Torch;
using BlipCaptioning.Files;
using BlipCaptioning.Model;

namespace BlipCaptioning.Conversion.Checkpoints;

/// <summary>
/// Reads a <c>pytorch_model.bin</c> written by <c>torch.save</c> in its zip format (PyTorch 1.6 and later):
/// <c>&lt;archive&gt;/data.pkl</c> (a pickle, read by a restricted unpickler that refuses every global a state dict
/// does not need), <c>&lt;archive&gt;/data/&lt;key&gt;</c> (raw little-endian storages) and <c>&lt;archive&gt;/version</c>.
/// Views with a storage offset or strides and storages shared by several tensors are resolved. The legacy
/// (pre-1.6, non-zip) format is refused with an explanation.
/// </summary>
public static class TorchCheckpointReader
{
    /// <summary>The largest data.pkl accepted; a state dict's pickle is tens of kilobytes (base: 48 KB).</summary>
    public const int MaxPickleBytes = 64 << 20;

    /// <summary>The most records a checkpoint's zip may hold (one per storage and a few more: 475 for base).</summary>
    public const int MaxZipEntries = 100_000;

    /// <summary>
    /// Reads the state dict in <paramref name="path"/>. When <paramref name="include"/> is given, only the tensors it
    /// accepts are loaded (the others are still listed in <see cref="TorchStateDict.Names"/>). The tensors loaded and the
    /// storages they view may hold at most <see cref="ModelLimits.MaxParameters"/> values each.
    /// </summary>
    public static TorchStateDict Read(string path, Func<string, bool>? include = null) =>
        Read(path, include ?? (_ => true), shapes: null);

    /// <summary>
    /// Reads the tensors of <paramref name="expected"/> that the state dict in <paramref name="path"/> holds. A tensor
    /// whose shape differs is not read but listed in <see cref="TorchStateDict.Misshapen"/>; storages that hold more than
    /// twice the values <paramref name="expected"/> needs are refused before anything is allocated (so no view,
    /// stride-0 or not, makes more than the config implies).
    /// </summary>
    public static TorchStateDict Read(string path, IReadOnlyList<TensorLayout> expected)
    {
        ArgumentNullException.ThrowIfNull(expected);
        var shapes = expected.ToDictionary(item => item.Name, item => item.Shape, StringComparer.Ordinal);
        return Read(path, shapes.ContainsKey, shapes);
    }

    private static TorchStateDict Read(string path, Func<string, bool> include, Dictionary<string, IReadOnlyList<int>>? shapes)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new CheckpointFormatException($"{path} does not exist.");
        }

        BoundedFile.RequireRegularFile(path, message => new CheckpointFormatException(message));
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        CheckMagic(path, stream);
        ZipArchive archive;
        try
        {
            archive = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException exception)
        {
            throw new CheckpointFormatException($"{path} is not a readable zip file ({exception.Message}); it may be truncated.", exception);
        }

        using (archive)
        {
            CheckEntries(path, archive);
            var prefix = FindArchivePrefix(path, archive);
            CheckByteOrder(path, archive, prefix);
            var pickle = ReadEntry(path, archive, prefix + "data.pkl", MaxPickleBytes);
            var root = RestrictedUnpickler.Load(pickle, $"{path} ({prefix}data.pkl)");
            var tensors = ToTensorReferences(path, root);
            return Materialize(path, archive, prefix, tensors, include, shapes);
        }
    }

    /// <summary>
    /// Refuses a zip with too many records or with two records of one name: readers disagree on which one counts
    /// (.NET's GetEntry finds the first, Python's zipfile the last), and torch.save never writes one.
    /// </summary>
    private static void CheckEntries(string path, ZipArchive archive)
    {
        if (archive.Entries.Count > MaxZipEntries)
        {
            throw new CheckpointFormatException(string.Create(CultureInfo.InvariantCulture,
                $"{path} holds {archive.Entries.Count:N0} zip records, more than the {MaxZipEntries:N0} a state dict may have."));
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in archive.Entries)
        {
            if (!names.Add(entry.FullName))
            {
                throw new CheckpointFormatException(
                    $"{path} holds two zip records named '{entry.FullName}'; readers disagree on which one counts, so the file is refused. torch.save never writes such a file.");
            }
        }
    }

    private static void CheckMagic(string path, FileStream stream)
    {
        Span<byte> magic = stackalloc byte[4];
        var read = stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false);
        stream.Position = 0;
        if (read == 4 && magic.SequenceEqual("PK\u0003\u0004"u8))
        {
            return;
        }

        if (read >= 2 && magic[0] == 0x80 && magic[1] <= 5)
        {
            throw new CheckpointFormatException(
                $"{path} uses torch.save's legacy (pre-1.6, non-zip) format, which is not supported. Re-save it with a current PyTorch "
                + "(torch.save(torch.load(path), path)) or convert it to model.safetensors.");
        }

        throw new CheckpointFormatException($"{path} is not a torch checkpoint: it does not start with a zip header.");
    }

    private static string FindArchivePrefix(string path, ZipArchive archive)
    {
        var pickles = archive.Entries.Where(entry => entry.FullName == "data.pkl" || (entry.FullName.EndsWith("/data.pkl", StringComparison.Ordinal)
            && entry.FullName.IndexOf('/', StringComparison.Ordinal) == entry.FullName.Length - "/data.pkl".Length)).ToList();
        return pickles.Count switch
        {
            1 => pickles[0].FullName[..^"data.pkl".Length],
            0 => throw new CheckpointFormatException($"{path} is a zip file but has no <archive>/data.pkl: it is not a torch.save checkpoint."),
            _ => throw new CheckpointFormatException($"{path} has {pickles.Count} data.pkl records; a torch.save checkpoint has one."),
        };
    }

    private static void CheckByteOrder(string path, ZipArchive archive, string prefix)
    {
        if (archive.GetEntry(prefix + "byteorder") is not { } entry)
        {
            return;
        }

        var order = Encoding.ASCII.GetString(ReadEntry(path, archive, entry.FullName, 64)).Trim();
        if (order != "little")
        {
            throw new CheckpointFormatException($"{path} stores its tensors in '{order}' byte order; only little-endian checkpoints are supported.");
        }
    }

    private static List<(string Name, TorchTensorReference Tensor)> ToTensorReferences(string path, object? root)
    {
        if (root is not PickleDictionary dictionary)
        {
            throw new CheckpointFormatException(
                $"{path} does not hold a state dict (a dict of tensors); save model.state_dict() rather than the whole model.");
        }

        var result = new List<(string, TorchTensorReference)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in dictionary.Items)
        {
            if (key is not string name)
            {
                throw new CheckpointFormatException($"{path}: the state dict has a key that is not a string.");
            }

            if (value is not TorchTensorReference tensor)
            {
                throw new CheckpointFormatException($"{path}: state dict entry '{name}' is not a tensor; save model.state_dict() only.");
            }

            if (!seen.Add(name))
            {
                throw new CheckpointFormatException($"{path}: state dict entry '{name}' appears twice.");
            }

            result.Add((name, tensor));
        }

        return result;
    }

    private static TorchStateDict Materialize(string path, ZipArchive archive, string prefix, List<(string Name, TorchTensorReference Tensor)> tensors,
        Func<string, bool> include, Dictionary<string, IReadOnlyList<int>>? expectedShapes)
    {
        var names = tensors.Select(item => item.Name).ToList();
        tensors = tensors.Where(item => include(item.Name)).ToList();
        var misshapen = CheckBudget(path, tensors, expectedShapes);
        tensors = tensors.Where(item => !misshapen.ContainsKey(item.Name)).ToList();
        var users = tensors.GroupBy(item => item.Tensor.Storage.Key, StringComparer.Ordinal)
            .ToDictionary(group => group.Key, group => group.Count(), StringComparer.Ordinal);
        var floatStorages = new Dictionary<string, float[]>(StringComparer.Ordinal);
        var longStorages = new Dictionary<string, long[]>(StringComparer.Ordinal);
        var floats = new Dictionary<string, CheckpointTensor>(StringComparer.Ordinal);
        var integers = new Dictionary<string, IntegerTensor>(StringComparer.Ordinal);
        foreach (var (name, tensor) in tensors)
        {
            var storage = tensor.Storage;
            var shared = users[storage.Key] > 1;
            var shape = ToShape(path, name, tensor);
            if (storage.Type == TorchStorageType.Long)
            {
                if (!longStorages.TryGetValue(storage.Key, out var longs))
                {
                    longs = ReadLongStorage(path, archive, prefix, storage, name);
                    longStorages[storage.Key] = longs;
                }

                integers[name] = new IntegerTensor(name, shape, StridedView.Gather(longs, tensor, shared, $"{path}: tensor '{name}'"));
            }
            else
            {
                if (!floatStorages.TryGetValue(storage.Key, out var values))
                {
                    values = ReadFloatStorage(path, archive, prefix, storage, name);
                    if (shared)
                    {
                        floatStorages[storage.Key] = values;
                    }
                }

                floats[name] = new CheckpointTensor(name, shape, StridedView.Gather(values, tensor, shared, $"{path}: tensor '{name}'"));
            }
        }

        return new TorchStateDict(names, floats, integers) { Misshapen = misshapen };
    }

    /// <summary>
    /// Before anything is allocated: the tensors whose shape differs from the expected one (when one is given) are set
    /// aside, unread, and returned; the others hold at most what the expected shapes (or
    /// <see cref="ModelLimits.MaxParameters"/>) hold, and the distinct storages they view at most twice that. A
    /// stride-0 view of a tiny storage is thus never materialised beyond what a genuine checkpoint of the config needs.
    /// </summary>
    private static Dictionary<string, IReadOnlyList<int>> CheckBudget(string path, List<(string Name, TorchTensorReference Tensor)> tensors,
        Dictionary<string, IReadOnlyList<int>>? expectedShapes)
    {
        var misshapen = new Dictionary<string, IReadOnlyList<int>>(StringComparer.Ordinal);
        long values = 0;
        foreach (var (name, tensor) in tensors)
        {
            var shape = ToShape(path, name, tensor);
            if (expectedShapes is not null && expectedShapes.TryGetValue(name, out var expected) && !shape.SequenceEqual(expected))
            {
                misshapen[name] = shape;
                continue;
            }

            values += tensor.ElementCount;
        }

        tensors = tensors.Where(item => !misshapen.ContainsKey(item.Name)).ToList();

        long budget = expectedShapes is null
            ? ModelLimits.MaxParameters
            : expectedShapes.Values.Sum(shape => shape.Aggregate(1L, (product, dimension) => product * dimension));
        if (values > budget)
        {
            throw new CheckpointFormatException(string.Create(CultureInfo.InvariantCulture,
                $"{path}: its tensors hold {values:N0} values, more than the {budget:N0} allowed."));
        }

        long storageValues = tensors.Select(item => item.Tensor.Storage).DistinctBy(storage => storage.Key, StringComparer.Ordinal)
            .Aggregate(0L, (sum, storage) => sum > ModelLimits.MaxParameters * 4 ? sum : sum + Math.Min(storage.ElementCount, ModelLimits.MaxParameters * 4));
        long storageBudget = expectedShapes is null ? ModelLimits.MaxParameters : (2 * budget) + (1 << 20);
        if (storageValues > storageBudget)
        {
            throw new CheckpointFormatException(string.Create(CultureInfo.InvariantCulture,
                $"{path}: the storages its tensors view hold {storageValues:N0} values, more than the {storageBudget:N0} allowed for a checkpoint of this config (twice its {budget:N0} parameters)."));
        }

        return misshapen;
    }

    private static int[] ToShape(string path, string name, TorchTensorReference tensor)
    {
        var elements = 1L;
        foreach (var dimension in tensor.Size)
        {
            elements = elements > Array.MaxLength ? elements : elements * Math.Min(dimension, (long)Array.MaxLength + 1);
        }

        if (elements > Array.MaxLength || tensor.Size.Any(dimension => dimension > int.MaxValue))
        {
            throw new CheckpointFormatException($"{path}: tensor '{name}' has the shape [{string.Join(", ", tensor.Size)}], too large to load.");
        }

        return tensor.Size.Select(dimension => (int)dimension).ToArray();
    }

    private static float[] ReadFloatStorage(string path, ZipArchive archive, string prefix, TorchStorageReference storage, string firstUser)
    {
        var count = CheckedCount(path, storage, firstUser);
        CheckStorageLength(path, archive, prefix, storage, firstUser, (storage.Type == TorchStorageType.Float ? 4L : 2L) * count);
        var values = new float[count];
        if (storage.Type == TorchStorageType.Float)
        {
            ReadStorageInto(path, archive, prefix, storage, MemoryMarshal.AsBytes(values.AsSpan()), firstUser);
            if (!BitConverter.IsLittleEndian)
            {
                var raw = MemoryMarshal.Cast<float, int>(values.AsSpan());
                BinaryPrimitives.ReverseEndianness(raw, raw);
            }

            return values;
        }

        var bytes = new byte[2L * count];
        ReadStorageInto(path, archive, prefix, storage, bytes, firstUser);
        HalfPrecision.Widen(bytes, values, storage.Type == TorchStorageType.BFloat16);
        return values;
    }

    private static long[] ReadLongStorage(string path, ZipArchive archive, string prefix, TorchStorageReference storage, string firstUser)
    {
        var count = CheckedCount(path, storage, firstUser);
        CheckStorageLength(path, archive, prefix, storage, firstUser, 8L * count);
        var values = new long[count];
        ReadStorageInto(path, archive, prefix, storage, MemoryMarshal.AsBytes(values.AsSpan()), firstUser);
        if (!BitConverter.IsLittleEndian)
        {
            BinaryPrimitives.ReverseEndianness(values, values);
        }

        return values;
    }

    private static int CheckedCount(string path, TorchStorageReference storage, string firstUser) =>
        storage.ElementCount <= Array.MaxLength / 8
            ? (int)storage.ElementCount
            : throw new CheckpointFormatException($"{path}: the storage of '{firstUser}' has {storage.ElementCount} elements, too many to load.");

    /// <summary>Refuses a storage whose record is missing or shorter than its elements need, before its array is allocated.</summary>
    private static ZipArchiveEntry CheckStorageLength(string path, ZipArchive archive, string prefix, TorchStorageReference storage, string firstUser, long bytes)
    {
        var entryName = $"{prefix}data/{storage.Key}";
        var entry = archive.GetEntry(entryName)
            ?? throw new CheckpointFormatException($"{path}: the storage '{entryName}' of tensor '{firstUser}' is missing; the file is incomplete.");
        if (entry.Length < bytes)
        {
            throw new CheckpointFormatException(
                $"{path}: the storage '{entryName}' of tensor '{firstUser}' holds {entry.Length} bytes but its {storage.ElementCount} elements need {bytes}.");
        }

        return entry;
    }

    private static void ReadStorageInto(string path, ZipArchive archive, string prefix, TorchStorageReference storage, Span<byte> destination, string firstUser)
    {
        var entryName = $"{prefix}data/{storage.Key}";
        var entry = CheckStorageLength(path, archive, prefix, storage, firstUser, destination.Length);
        using var stream = entry.Open();
        var read = stream.ReadAtLeast(destination, destination.Length, throwOnEndOfStream: false);
        if (read != destination.Length)
        {
            throw new CheckpointFormatException($"{path}: the storage '{entryName}' ended early; the file is truncated.");
        }
    }

    private static byte[] ReadEntry(string path, ZipArchive archive, string name, int maxBytes)
    {
        var entry = archive.GetEntry(name) ?? throw new CheckpointFormatException($"{path} has no '{name}' record.");
        if (entry.Length > maxBytes)
        {
            throw new CheckpointFormatException($"{path}: '{name}' is {entry.Length} bytes, more than the {maxBytes} bytes a state dict needs.");
        }

        var bytes = new byte[entry.Length];
        using var stream = entry.Open();
        if (stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false) != bytes.Length)
        {
            throw new CheckpointFormatException($"{path}: '{name}' ended early; the file is truncated.");
        }

        return bytes;
    }
}

namespace BlipCaptioning.Conversion.Checkpoints.Torch;

/// <summary>A global (<c>module.name</c>) the restricted unpickler has allowed.</summary>
internal sealed record PickleGlobal(string Module, string Name)
{
    public string FullName => $"{Module}.{Name}";
}

/// <summary>A dict or OrderedDict, keeping insertion order.</summary>
internal sealed class PickleDictionary
{
    public List<KeyValuePair<object?, object?>> Items { get; } = [];
}

/// <summary>A list.</summary>
internal sealed class PickleList
{
    public List<object?> Items { get; } = [];
}

/// <summary>A torch storage named by a persistent id: ('storage', torch.FloatStorage, key, location, numel).</summary>
internal sealed record TorchStorageReference(TorchStorageType Type, string Key, string Location, long ElementCount);

/// <summary>What <c>torch._utils._rebuild_tensor_v2</c> would build: a view of a storage.</summary>
internal sealed record TorchTensorReference(TorchStorageReference Storage, long StorageOffset, long[] Size, long[] Stride)
{
    public long ElementCount => Size.Aggregate(1L, (product, dimension) => checked(product * dimension));
}

/// <summary>The storage element types a BLIP state dict may hold.</summary>
internal enum TorchStorageType
{
    Float,
    Half,
    BFloat16,
    Long,
}

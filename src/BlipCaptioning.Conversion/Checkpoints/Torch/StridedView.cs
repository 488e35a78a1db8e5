namespace BlipCaptioning.Conversion.Checkpoints.Torch;

/// <summary>Copies a (possibly offset and strided) view of a storage into a new row-major array.</summary>
internal static class StridedView
{
    public static T[] Gather<T>(T[] storage, TorchTensorReference tensor, bool storageIsShared, string what)
    {
        var count = tensor.ElementCount;
        if (count == 0)
        {
            return [];
        }

        Int128 last = tensor.StorageOffset;
        for (var dimension = 0; dimension < tensor.Size.Length; dimension++)
        {
            last += (Int128)(tensor.Size[dimension] - 1) * tensor.Stride[dimension];
        }

        if (tensor.StorageOffset < 0 || last >= storage.LongLength)
        {
            throw new CheckpointFormatException(
                $"{what} reads past the end of its storage (offset {tensor.StorageOffset}, size [{string.Join(", ", tensor.Size)}], stride [{string.Join(", ", tensor.Stride)}], storage of {storage.LongLength} elements).");
        }

        if (IsContiguous(tensor))
        {
            return tensor.StorageOffset == 0 && count == storage.LongLength && !storageIsShared
                ? storage
                : storage.AsSpan((int)tensor.StorageOffset, (int)count).ToArray();
        }

        var result = new T[count];
        var index = new long[tensor.Size.Length];
        for (var output = 0L; output < count; output++)
        {
            var source = tensor.StorageOffset;
            for (var dimension = 0; dimension < index.Length; dimension++)
            {
                source += index[dimension] * tensor.Stride[dimension];
            }

            result[output] = storage[source];
            for (var dimension = index.Length - 1; dimension >= 0; dimension--)
            {
                if (++index[dimension] < tensor.Size[dimension])
                {
                    break;
                }

                index[dimension] = 0;
            }
        }

        return result;
    }

    private static bool IsContiguous(TorchTensorReference tensor)
    {
        var expected = 1L;
        for (var dimension = tensor.Size.Length - 1; dimension >= 0; dimension--)
        {
            if (tensor.Size[dimension] != 1 && tensor.Stride[dimension] != expected)
            {
                return false;
            }

            expected *= tensor.Size[dimension];
        }

        return true;
    }
}

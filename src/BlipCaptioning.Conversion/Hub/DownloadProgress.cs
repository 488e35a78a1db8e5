namespace BlipCaptioning.Conversion.Hub;

/// <summary>How far the download of one file has come.</summary>
/// <param name="FileName">The file's path in the repo, e.g. <c>pytorch_model.bin</c>.</param>
/// <param name="BytesDone">Bytes on disk so far, including those kept from an earlier, interrupted attempt.</param>
/// <param name="TotalBytes">The file's size when the hub told it.</param>
/// <param name="FromCache">True when the file was already in the cache and nothing was downloaded.</param>
public readonly record struct DownloadProgress(string FileName, long BytesDone, long? TotalBytes, bool FromCache = false)
{
    /// <summary>True once every byte is on disk.</summary>
    public bool IsComplete => TotalBytes is { } total && BytesDone >= total;
}

using System.Net;
using System.Security.Cryptography;

namespace BlipCaptioning.Conversion.Hub;

/// <summary>
/// Downloads one file of a hub repository into <c>{blob}.incomplete</c>, resuming from the bytes already there with a
/// Range request, hashing as it goes (the kept bytes included), then checks size and SHA-256 before moving it to the
/// blob path (the Hugging Face cache's content-addressed <c>blobs/</c> file, see <see cref="HubCache"/>).
/// </summary>
internal sealed class HubFileDownloader(HubClient client, HubOptions options)
{
    private const int BufferSize = 81920;

    public async Task DownloadAsync(
        string repo,
        string commit,
        string fileName,
        long? expectedSize,
        string? expectedSha256,
        string blobPath,
        IProgress<DownloadProgress>? progress,
        CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(blobPath)!);
        var partial = blobPath + ".incomplete";
        string actualSha256;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                actualSha256 = await DownloadOnceAsync(repo, commit, fileName, expectedSize, partial, progress, cancellationToken);
                break;
            }
            catch (Exception ex) when (TransientRetry.IsTransient(ex, cancellationToken) && attempt < options.MaxAttempts)
            {
                await Task.Delay(TransientRetry.Backoff(options, attempt), cancellationToken);
            }
            catch (Exception ex) when (TransientRetry.IsTransient(ex, cancellationToken))
            {
                var kept = File.Exists(partial) ? new FileInfo(partial).Length : 0;
                throw TransientRetry.Exhausted(
                    $"Downloading {fileName} from {client.Endpoint} ({kept} bytes kept in the cache; run again to resume)", attempt, ex);
            }
        }

        var actualSize = new FileInfo(partial).Length;
        if (expectedSize is { } size && actualSize != size)
        {
            File.Delete(partial);
            throw new HubException(
                $"{fileName}: size mismatch: the hub lists {size} bytes, but {actualSize} bytes were downloaded. The download was deleted; run again, and if it repeats, the server (or a proxy) is not serving the file the hub lists.");
        }

        if (expectedSha256 is not null && !string.Equals(actualSha256, expectedSha256, StringComparison.OrdinalIgnoreCase))
        {
            File.Delete(partial);
            throw new HubException(
                $"{fileName}: SHA-256 mismatch: expected {expectedSha256.ToLowerInvariant()}, got {actualSha256}. The download was deleted; run again, and if it repeats, the server (or a proxy) is not serving the file the hub lists.");
        }

        File.Move(partial, blobPath, overwrite: true);
    }

    /// <summary>One request: resumes or restarts the partial file and returns the SHA-256 of all its bytes.</summary>
    private async Task<string> DownloadOnceAsync(
        string repo,
        string commit,
        string fileName,
        long? expectedSize,
        string partial,
        IProgress<DownloadProgress>? progress,
        CancellationToken cancellationToken)
    {
        var existing = File.Exists(partial) ? new FileInfo(partial).Length : 0;
        if (expectedSize is { } size && existing > size)
        {
            File.Delete(partial);
            existing = 0;
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        if (expectedSize is { } complete && existing == complete && existing > 0)
        {
            await HashExistingAsync(partial, hash, cancellationToken);
            progress?.Report(new DownloadProgress(fileName, existing, expectedSize));
            return Convert.ToHexStringLower(hash.GetHashAndReset());
        }

        using var response = await client.OpenFileAsync(repo, commit, fileName, existing, cancellationToken);
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            File.Delete(partial);
            throw new HubException($"The server refused to resume {fileName} at byte {existing}; starting it over.", response.StatusCode, isTransient: true);
        }

        var resumed = response.StatusCode == HttpStatusCode.PartialContent;
        if (resumed && response.Content.Headers.ContentRange?.From != existing)
        {
            File.Delete(partial);
            throw new HubException($"The server resumed {fileName} at another byte than {existing}; starting it over.", response.StatusCode, isTransient: true);
        }

        var total = expectedSize ?? (resumed ? response.Content.Headers.ContentRange?.Length : response.Content.Headers.ContentLength);
        await using var file = new FileStream(partial, resumed ? FileMode.Open : FileMode.Create, FileAccess.ReadWrite, FileShare.None, BufferSize, useAsync: true);
        var done = 0L;
        if (resumed)
        {
            await HashStreamAsync(file, hash, cancellationToken);
            done = file.Length;
        }

        progress?.Report(new DownloadProgress(fileName, done, total));
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[BufferSize];
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        while (true)
        {
            stall.CancelAfter(options.ReadTimeout);
            var read = await body.ReadAsync(buffer, stall.Token);
            if (read == 0)
            {
                break;
            }

            hash.AppendData(buffer, 0, read);
            await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            done += read;
            progress?.Report(new DownloadProgress(fileName, done, total));
            if (expectedSize is { } limit && done > limit)
            {
                break;
            }
        }

        await file.FlushAsync(cancellationToken);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static async Task HashExistingAsync(string path, IncrementalHash hash, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, useAsync: true);
        await HashStreamAsync(stream, hash, cancellationToken);
    }

    /// <summary>Hashes a stream from its start to its end, leaving it positioned at the end.</summary>
    private static async Task HashStreamAsync(Stream stream, IncrementalHash hash, CancellationToken cancellationToken)
    {
        stream.Position = 0;
        var buffer = new byte[BufferSize];
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
        {
            hash.AppendData(buffer, 0, read);
        }
    }
}

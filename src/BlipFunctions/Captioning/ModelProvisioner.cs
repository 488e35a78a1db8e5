using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using BlipCaptioning;
using BlipCaptioning.Errors;
using BlipCaptioning.Files;
using BlipCaptioning.Model;
using BlipFunctions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BlipFunctions.Captioning;

/// <summary>
/// The app's <see cref="IModelSource"/>: before the captioner loads the model, copies it from
/// <c>Captioning__ModelBlobUri</c> (a blob folder) into the model folder (<c>Captioning__ModelDirectory</c>). Does
/// nothing when the URI is unset or the folder already holds <c>blip-model.json</c>.
/// </summary>
/// <remarks>
/// The manifest is read first (within <see cref="ModelLimits.MaxManifestBytes"/>) and checked against the model
/// contract; then only the files it names are copied, by their contract names, each within its size budget and the
/// graphs and data files checked against the SHA-256 the manifest records (so the load that follows a copy does not
/// hash them again). Other blobs in the folder are ignored, and no blob name ever becomes a path. Files land in a
/// hidden sibling staging folder first and the manifest is moved in last, so a worker that dies mid-copy leaves no
/// folder that looks complete (and the next copy removes its staging folder). A folder on the CaptionStorage account
/// is read with that connection (Azurite locally); any other account with the app's identity (Storage Blob Data
/// Reader on the model container). The captioner calls it once at a time, before each attempt to load the model.
/// </remarks>
public sealed partial class ModelProvisioner(IOptions<CaptionPipelineOptions> options, CaptionStorageClients storage, ILogger<ModelProvisioner> logger)
    : IModelSource
{
    /// <inheritdoc/>
    public async Task<ModelSourceResult> PrepareAsync(string modelDirectory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(modelDirectory);
        if (options.Value.ModelBlobUri is not { } folderUri || File.Exists(Path.Combine(modelDirectory, BlipModelContract.ManifestFileName)))
        {
            return ModelSourceResult.Unchanged;
        }

        await CopyAsync(folderUri, Path.GetFullPath(modelDirectory), cancellationToken).ConfigureAwait(false);
        return ModelSourceResult.WrittenAndVerified;
    }

    private async Task CopyAsync(Uri folderUri, string target, CancellationToken cancellationToken)
    {
        var address = new BlobUriBuilder(folderUri);
        BlobContainerClient container = ContainerFor(folderUri, address.BlobContainerName);
        string prefix = string.IsNullOrEmpty(address.BlobName) ? string.Empty : address.BlobName.TrimEnd('/') + "/";
        LogCopying(folderUri, target);

        // Only the files the manifest names are copied, by their contract names: no blob name ever becomes a path.
        byte[] manifestBytes = await DownloadManifestAsync(container, prefix, folderUri, cancellationToken).ConfigureAwait(false);
        BlipModelManifest manifest = ParseManifest(manifestBytes, folderUri);
        ModelIntegrity.Validate(manifest);

        // Also removes the staging folders of copies whose worker was killed.
        using var staging = StagingDirectory.CreateBeside(target, "download");
        var copied = new List<string>();
        long total = manifestBytes.Length;
        foreach (ModelFile file in ModelIntegrity.FilesOf(manifest))
        {
            long? length = await DownloadAsync(container.GetBlobClient(prefix + file.Name), file, ModelLimits.MaxModelBytes - total, PathInside(staging.Path, file.Name), cancellationToken).ConfigureAwait(false);
            if (length is { } bytes)
            {
                total += bytes;
                copied.Add(file.Name);
            }
            else if (file.Required)
            {
                throw new ModelContractException(
                    $"Captioning__ModelBlobUri {folderUri} has no {file.Name}, which its {BlipModelContract.ManifestFileName} needs: upload the whole folder `blip model build` writes.");
            }
        }

        await File.WriteAllBytesAsync(PathInside(staging.Path, BlipModelContract.ManifestFileName), manifestBytes, cancellationToken).ConfigureAwait(false);
        copied.Add(BlipModelContract.ManifestFileName);

        // The manifest goes last: its presence marks a complete model.
        Directory.CreateDirectory(target);
        foreach (string name in copied)
        {
            File.Move(PathInside(staging.Path, name), PathInside(target, name), overwrite: true);
        }

        LogCopied(copied.Count, target);
    }

    private static async Task<byte[]> DownloadManifestAsync(BlobContainerClient container, string prefix, Uri folderUri, CancellationToken cancellationToken)
    {
        BlobDownloadStreamingResult download;
        try
        {
            download = (await container.GetBlobClient(prefix + BlipModelContract.ManifestFileName).DownloadStreamingAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            throw new ModelNotFoundException(
                $"Captioning__ModelBlobUri {folderUri} holds no {BlipModelContract.ManifestFileName}: upload the folder `blip model fetch` builds (all files, flat) to that blob folder.", e);
        }

        using (download)
        {
            if (download.Details.ContentLength > ModelLimits.MaxManifestBytes)
            {
                throw new ModelContractException(string.Create(CultureInfo.InvariantCulture,
                    $"{BlobIn(folderUri, BlipModelContract.ManifestFileName)} is {download.Details.ContentLength:N0} bytes, more than the {ModelLimits.MaxManifestBytes:N0} a manifest may hold."));
            }

            using var buffer = new MemoryStream((int)download.Details.ContentLength);
            await CopyBoundedAsync(download.Content, buffer, ModelLimits.MaxManifestBytes, null, BlobIn(folderUri, BlipModelContract.ManifestFileName), cancellationToken).ConfigureAwait(false);
            return buffer.ToArray();
        }
    }

    private static BlipModelManifest ParseManifest(byte[] bytes, Uri folderUri)
    {
        try
        {
            return BlipModelManifest.FromJson(Encoding.UTF8.GetString(bytes));
        }
        catch (JsonException e)
        {
            throw new ModelContractException($"{BlobIn(folderUri, BlipModelContract.ManifestFileName)} is not a valid BLIP model manifest: {e.Message}", e);
        }
    }

    /// <summary>
    /// Downloads one file of the model into <paramref name="path"/>, within its budget, checking its SHA-256 when the
    /// manifest records one; returns its length, or null when there is no such blob.
    /// </summary>
    private static async Task<long?> DownloadAsync(BlobClient blob, ModelFile file, long budgetLeft, string path, CancellationToken cancellationToken)
    {
        BlobDownloadStreamingResult download;
        try
        {
            download = (await blob.DownloadStreamingAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }

        using (download)
        {
            long limit = Math.Min(file.MaxBytes, budgetLeft);
            if (download.Details.ContentLength > limit)
            {
                throw new ModelContractException(string.Create(CultureInfo.InvariantCulture,
                    $"{blob.Uri} is {download.Details.ContentLength:N0} bytes; {file.Name} may hold {file.MaxBytes:N0} and a model {ModelLimits.MaxModelBytes:N0} bytes in all."));
            }

            using var hash = file.Sha256 is null ? null : IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long length;
            await using (var output = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                length = await CopyBoundedAsync(download.Content, output, limit, hash, blob.Uri.ToString(), cancellationToken).ConfigureAwait(false);
            }

            if (hash is not null)
            {
                string actual = Convert.ToHexStringLower(hash.GetHashAndReset());
                if (!string.Equals(actual, file.Sha256, StringComparison.OrdinalIgnoreCase))
                {
                    throw new ModelContractException(
                        $"{blob.Uri} is damaged or was changed: its SHA-256 is {actual}, {BlipModelContract.ManifestFileName} records {file.Sha256}. Upload the model folder again.");
                }
            }

            return length;
        }
    }

    private static async Task<long> CopyBoundedAsync(Stream source, Stream destination, long limit, IncrementalHash? hash, string what, CancellationToken cancellationToken)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            long total = 0;
            int read;
            while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                total += read;
                if (total > limit)
                {
                    throw new ModelContractException(string.Create(CultureInfo.InvariantCulture, $"{what} holds more than the {limit:N0} bytes allowed for it."));
                }

                hash?.AppendData(buffer, 0, read);
                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }

            return total;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The address of a blob of the model folder, for messages.</summary>
    private static string BlobIn(Uri folderUri, string name) => folderUri.AbsoluteUri.TrimEnd('/') + "/" + name;

    /// <summary>A file name inside a folder; anything that would leave it is refused (the names come from the contract).</summary>
    private static string PathInside(string folder, string name)
    {
        string path = Path.GetFullPath(Path.Combine(folder, name));
        return Path.GetFileName(name) == name && path == Path.Combine(Path.GetFullPath(folder), name)
            ? path
            : throw new ModelContractException($"Refusing the model file name '{name}': model files are plain names inside the model folder.");
    }

    private BlobContainerClient ContainerFor(Uri folderUri, string containerName)
    {
        if (folderUri.AbsoluteUri.StartsWith(storage.Blobs.Uri.AbsoluteUri.TrimEnd('/') + "/", StringComparison.OrdinalIgnoreCase))
        {
            return storage.Blobs.GetBlobContainerClient(containerName);
        }

        var builder = new BlobUriBuilder(folderUri) { BlobName = string.Empty };
        return storage.Credential is null
            ? new BlobContainerClient(builder.ToUri())
            : new BlobContainerClient(builder.ToUri(), storage.Credential);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Copying the model from {Source} to {Directory}")]
    private partial void LogCopying(Uri source, string directory);

    [LoggerMessage(Level = LogLevel.Information, Message = "Copied {Count} model files to {Directory}")]
    private partial void LogCopied(int count, string directory);
}

using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using BlipCaptioning.Inference;
using BlipFunctions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BlipFunctions.Captioning;

/// <summary>
/// Copies the model from <c>Captioning__ModelBlobUri</c> (a blob folder) into <c>Captioning__ModelDirectory</c> on
/// first use, once per worker. Does nothing when the URI is unset or the folder already holds <c>blip-model.json</c>.
/// </summary>
/// <remarks>
/// Files land in a sibling temporary folder first and the manifest is written last, so a worker that dies mid-copy
/// leaves no folder that looks complete. A folder on the CaptionStorage account is read with that connection
/// (Azurite locally); any other account with the app's identity (Storage Blob Data Reader on the model container).
/// </remarks>
public sealed partial class ModelProvisioner : IDisposable
{
    private readonly CaptionPipelineOptions _options;
    private readonly CaptionStorageClients _storage;
    private readonly ILogger<ModelProvisioner> _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile bool _ready;

    public ModelProvisioner(IOptions<CaptionPipelineOptions> options, CaptionStorageClients storage, ILogger<ModelProvisioner> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _storage = storage;
        _logger = logger;
    }

    public string ManifestPath => Path.Combine(_options.ModelDirectory, BlipModelContract.ManifestFileName);

    public async Task EnsureModelAsync(CancellationToken cancellationToken)
    {
        if (_ready || _options.ModelBlobUri is null)
        {
            return;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_ready && !File.Exists(ManifestPath))
            {
                await CopyAsync(_options.ModelBlobUri, cancellationToken).ConfigureAwait(false);
            }

            _ready = true;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task CopyAsync(Uri folderUri, CancellationToken cancellationToken)
    {
        var address = new BlobUriBuilder(folderUri);
        BlobContainerClient container = ContainerFor(folderUri, address.BlobContainerName);
        string prefix = string.IsNullOrEmpty(address.BlobName) ? string.Empty : address.BlobName.TrimEnd('/') + "/";
        string target = Path.GetFullPath(_options.ModelDirectory);
        string staging = $"{target}.download-{Guid.NewGuid():N}";
        Directory.CreateDirectory(staging);
        LogCopying(folderUri, target);
        try
        {
            var files = new List<(string Blob, string Relative)>();
            await foreach (BlobItem item in container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, cancellationToken).ConfigureAwait(false))
            {
                files.Add((item.Name, item.Name[prefix.Length..]));
            }

            if (!files.Exists(f => f.Relative == BlipModelContract.ManifestFileName))
            {
                throw new InvalidOperationException(
                    $"Captioning__ModelBlobUri {folderUri} holds no {BlipModelContract.ManifestFileName}: upload the folder `blip model fetch` builds (all files, flat) to that blob folder.");
            }

            // The manifest goes last: its presence marks a complete model.
            foreach ((string blob, string relative) in files.OrderBy(f => f.Relative == BlipModelContract.ManifestFileName))
            {
                string path = Path.Combine(staging, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                await container.GetBlobClient(blob).DownloadToAsync(path, cancellationToken).ConfigureAwait(false);
            }

            Directory.CreateDirectory(target);
            foreach (string file in Directory.EnumerateFiles(staging, "*", SearchOption.AllDirectories)
                         .OrderBy(f => Path.GetFileName(f) == BlipModelContract.ManifestFileName))
            {
                string destination = Path.Combine(target, Path.GetRelativePath(staging, file));
                Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                File.Move(file, destination, overwrite: true);
            }

            LogCopied(files.Count, target);
        }
        finally
        {
            Directory.Delete(staging, recursive: true);
        }
    }

    public void Dispose() => _gate.Dispose();

    private BlobContainerClient ContainerFor(Uri folderUri, string containerName)
    {
        if (folderUri.AbsoluteUri.StartsWith(_storage.Blobs.Uri.AbsoluteUri.TrimEnd('/') + "/", StringComparison.OrdinalIgnoreCase))
        {
            return _storage.Blobs.GetBlobContainerClient(containerName);
        }

        var builder = new BlobUriBuilder(folderUri) { BlobName = string.Empty };
        return _storage.Credential is null
            ? new BlobContainerClient(builder.ToUri())
            : new BlobContainerClient(builder.ToUri(), _storage.Credential);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Copying the model from {Source} to {Directory}")]
    private partial void LogCopying(Uri source, string directory);

    [LoggerMessage(Level = LogLevel.Information, Message = "Copied {Count} model files to {Directory}")]
    private partial void LogCopied(int count, string directory);
}

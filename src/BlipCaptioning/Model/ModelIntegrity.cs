using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using BlipCaptioning.Errors;
using BlipCaptioning.Files;

namespace BlipCaptioning.Model;

/// <summary>
/// What a model folder must hold and whether it holds it intact: the files its manifest names, within their size
/// budgets, the graphs and their data files with the SHA-256 the manifest records. <c>BlipModel.Load</c>
/// checks a folder before ONNX Runtime reads it, and the Functions app checks a copy before it is used, so a flipped
/// byte or a truncated upload is refused with the file named rather than loaded.
/// </summary>
public static class ModelIntegrity
{
    private const int HashBufferBytes = 1 << 20;

    private static readonly string[] s_optionalAssets = ["preprocessor_config.json", "tokenizer_config.json", "special_tokens_map.json"];

    /// <summary>
    /// The files of the folder <paramref name="manifest"/> describes besides the manifest itself: the three graphs
    /// and their data files (with SHA-256), vocab.txt, and the tokenizer and preprocessor files (optional).
    /// </summary>
    /// <param name="manifest">A manifest that passed <see cref="Validate"/>.</param>
    public static IReadOnlyList<ModelFile> FilesOf(BlipModelManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var files = GraphFiles(manifest).Select(graph => new ModelFile(graph.Name, graph.Sha256, Required: true, ModelLimits.MaxModelBytes)).ToList();
        files.Add(new ModelFile(BlipModelContract.VocabularyFileName, null, Required: true, ModelLimits.MaxVocabularyBytes));
        files.AddRange(s_optionalAssets.Select(name => new ModelFile(name, null, Required: false, ModelLimits.MaxJsonFileBytes)));
        return files;
    }

    /// <summary>Checks a manifest against the model contract and <see cref="ModelLimits"/> (all problems in one message).</summary>
    /// <exception cref="ModelContractException">Anything does not match.</exception>
    public static void Validate(BlipModelManifest manifest) => BlipModelValidator.ValidateManifest(manifest);

    /// <summary>
    /// Checks that every file of <see cref="FilesOf"/> that is required is in <paramref name="directory"/>, that each
    /// is a regular file within its budget and all together within <see cref="ModelLimits.MaxModelBytes"/>, and that
    /// every graph and data file has the SHA-256 the manifest records.
    /// </summary>
    /// <exception cref="ModelNotFoundException">A required file is missing.</exception>
    /// <exception cref="ModelContractException">A file is too large, not a regular file, unhashed in the manifest, or differs from its SHA-256.</exception>
    public static void Verify(string directory, BlipModelManifest manifest, CancellationToken cancellationToken = default) =>
        Verify(directory, manifest, checkHashes: true, cancellationToken);

    /// <summary>
    /// <see cref="Verify(string, BlipModelManifest, CancellationToken)"/>; <paramref name="checkHashes"/> false skips
    /// the SHA-256 of the graph and data files (for a folder whose writer has just checked them) but not the rest.
    /// </summary>
    internal static void Verify(string directory, BlipModelManifest manifest, bool checkHashes, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var files = FilesOf(manifest);
        long total = 0;
        foreach (var file in files)
        {
            string path = Path.Combine(directory, file.Name);
            if (!File.Exists(path))
            {
                if (file.Required)
                {
                    throw new ModelNotFoundException($"The model directory '{directory}' has no {file.Name}; it is incomplete. {ModelNotFoundException.HowToMakeAModel(directory)}");
                }

                continue;
            }

            BoundedFile.RequireRegularFile(path, message => new ModelContractException(message));
            long length = LengthOf(path);
            total += length;
            if (length > file.MaxBytes || total > ModelLimits.MaxModelBytes)
            {
                throw new ModelContractException(string.Create(CultureInfo.InvariantCulture,
                    $"{path} is {length:N0} bytes; {file.Name} may hold {file.MaxBytes:N0} and a model folder {ModelLimits.MaxModelBytes:N0} bytes in all."));
            }
        }

        foreach (var file in GraphFiles(manifest))
        {
            string path = Path.Combine(directory, file.Name);
            if (file.Sha256 is null)
            {
                throw new ModelContractException(
                    $"{BlipModelContract.ManifestFileName} in '{directory}' records no SHA-256 for {file.Name}, so the file cannot be checked; rebuild the model with `blip model build` or `blip model random`.");
            }

            if (!checkHashes)
            {
                continue;
            }

            string actual = Sha256Of(path, cancellationToken);
            if (!string.Equals(actual, file.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new ModelContractException(
                    $"{path} is damaged or was changed: its SHA-256 is {actual}, {BlipModelContract.ManifestFileName} records {file.Sha256}. "
                    + "Copy the model folder again, or rebuild it with `blip model build`.");
            }
        }
    }

    /// <summary>The length of the file a path leads to (FileInfo.Length would give a symlink's own length).</summary>
    private static long LengthOf(string path)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        return RandomAccess.GetLength(handle);
    }

    /// <summary>Every graph file and data file, with the SHA-256 the manifest records (null where it records none).</summary>
    private static IEnumerable<(string Name, string? Sha256)> GraphFiles(BlipModelManifest manifest)
    {
        foreach (var (role, _) in BlipModelValidator.Graphs)
        {
            var graph = manifest.Graphs[role];
            yield return (graph.File, graph.Sha256);
            if (graph.DataFile is not null)
            {
                yield return (graph.DataFile, graph.DataSha256);
            }
        }
    }

    /// <summary>The SHA-256 of a file as lowercase hex.</summary>
    public static string Sha256Of(string path, CancellationToken cancellationToken = default)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(HashBufferBytes);
        try
        {
            int read;
            while ((read = stream.Read(buffer, 0, HashBufferBytes)) > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                hash.AppendData(buffer, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}

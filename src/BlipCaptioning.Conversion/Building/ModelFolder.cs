using System.Security.Cryptography;
using BlipCaptioning.Inference;

namespace BlipCaptioning.Conversion.Building;

/// <summary>
/// Writes a model folder atomically: everything goes into a hidden staging folder beside the target, and only
/// when all of it is written is it moved into place, the manifest last. A folder with a manifest is complete.
/// </summary>
internal sealed class ModelFolder : IDisposable
{
    private readonly string _target;
    private bool _published;

    public ModelFolder(string outputDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(outputDirectory);
        _target = Path.GetFullPath(outputDirectory).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        var parent = Path.GetDirectoryName(_target) ?? throw new ArgumentException("The output folder cannot be a root folder.", nameof(outputDirectory));
        Directory.CreateDirectory(parent);
        Staging = Path.Combine(parent, $".{Path.GetFileName(_target)}.building-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Staging);
    }

    /// <summary>The folder to write into until <see cref="Publish"/>.</summary>
    public string Staging { get; }

    public string PathOf(string fileName) => Path.Combine(Staging, fileName);

    public static string Sha256Of(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>Moves the staged files into the output folder, replacing a previous model there; the manifest goes last.</summary>
    public void Publish()
    {
        if (!Directory.Exists(_target))
        {
            Directory.Move(Staging, _target);
            _published = true;
            return;
        }

        // Replacing a model: first take its manifest away, so that a crash half way leaves a folder that does
        // not claim to be complete.
        File.Delete(Path.Combine(_target, BlipModelContract.ManifestFileName));
        foreach (var file in Directory.EnumerateFiles(Staging).Where(f => Path.GetFileName(f) != BlipModelContract.ManifestFileName))
        {
            File.Move(file, Path.Combine(_target, Path.GetFileName(file)), overwrite: true);
        }

        File.Move(PathOf(BlipModelContract.ManifestFileName), Path.Combine(_target, BlipModelContract.ManifestFileName), overwrite: true);
        Directory.Delete(Staging, recursive: true);
        _published = true;
    }

    public void Dispose()
    {
        if (!_published && Directory.Exists(Staging))
        {
            Directory.Delete(Staging, recursive: true);
        }
    }
}

using BlipCaptioning.Files;
using BlipCaptioning.Model;

namespace BlipCaptioning.Conversion.Building;

/// <summary>
/// Writes a model folder atomically: everything goes into a hidden staging folder beside the target, and only
/// when all of it is written is it moved into place, the manifest last. A folder with a manifest is complete.
/// The staging folder is a <see cref="StagingDirectory"/>: one left by a killed build is removed by the next build of
/// the same output folder.
/// </summary>
internal sealed class ModelFolder : IDisposable
{
    private readonly string _target;
    private readonly StagingDirectory _staging;

    public ModelFolder(string outputDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(outputDirectory);
        _target = Path.GetFullPath(outputDirectory).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        if (Path.GetDirectoryName(_target) is null)
        {
            throw new ArgumentException("The output folder cannot be a root folder.", nameof(outputDirectory));
        }

        // Also removes the staging folders of builds of the same output folder that were killed.
        _staging = StagingDirectory.CreateBeside(_target, "building");
    }

    /// <summary>The folder to write into until <see cref="Publish"/>.</summary>
    public string Staging => _staging.Path;

    public string PathOf(string fileName) => Path.Combine(Staging, fileName);

    public static string Sha256Of(string path) => ModelIntegrity.Sha256Of(path);

    /// <summary>Moves the staged files into the output folder, replacing a previous model there; the manifest goes last.</summary>
    public void Publish()
    {
        if (!Directory.Exists(_target))
        {
            Directory.Move(Staging, _target);
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
    }

    /// <summary>Removes what is left of the staging folder (all of it when the build did not publish) and releases its lock.</summary>
    public void Dispose() => _staging.Dispose();
}

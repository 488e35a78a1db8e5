using BlipCaptioning.Model;
using BlipCaptioning.Testing;

namespace BlipCaptioning.Cli.Tests;

/// <summary>
/// A temporary folder with the transformers-tiny-a model built once per test run and a small tree of images:
/// photos/astronaut.png, photos/nested/rocket.jpg, photos/nested/coffee.png, photos/broken.jpg (text), photos/notes.txt.
/// </summary>
public sealed class CliFixture : IDisposable
{
    private readonly TemporaryFolder _root = new("blip-cli-tests");

    public CliFixture()
    {
        ModelDirectory = _root.Combine("model");
        TinyModels.BuildTinyA(ModelDirectory);

        Photos = Directory.CreateDirectory(_root.Combine("photos")).FullName;
        Directory.CreateDirectory(Path.Combine(Photos, "nested"));
        File.Copy(RepositoryPaths.TinyAPhoto("astronaut"), Path.Combine(Photos, "astronaut.png"));
        File.Copy(RepositoryPaths.TinyAPhoto("rocket"), Path.Combine(Photos, "nested", "rocket.jpg"));
        File.Copy(RepositoryPaths.TinyAPhoto("coffee"), Path.Combine(Photos, "nested", "coffee.png"));
        File.WriteAllText(Path.Combine(Photos, "broken.jpg"), "this is not a JPEG");
        File.WriteAllText(Path.Combine(Photos, "notes.txt"), "not an image, and not picked up from a folder");
    }

    public string Root => _root.Path;

    public string ModelDirectory { get; }

    public string Photos { get; }

    public string Photo(params string[] parts) => Path.Combine([Photos, .. parts]);

    /// <summary>The built model's manifest.</summary>
    public BlipModelManifest Manifest() => BlipModelManifest.FromJson(File.ReadAllText(Path.Combine(ModelDirectory, BlipModelContract.ManifestFileName)));

    /// <summary>A copy of the model folder that a test may edit.</summary>
    public string CopyModel() => TinyModels.Copy(ModelDirectory, Root);

    public void Dispose() => _root.Dispose();
}

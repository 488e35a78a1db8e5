using BlipCaptioning.Conversion.Building;
using BlipCaptioning.Conversion.Checkpoints;

namespace BlipCaptioning.Cli.Tests;

/// <summary>
/// A temporary folder with the transformers-tiny-a model built once per test run and a small tree of images:
/// photos/astronaut.png, photos/nested/rocket.jpg, photos/nested/coffee.png, photos/broken.jpg (text), photos/notes.txt.
/// </summary>
public sealed class CliFixture : IDisposable
{
    public CliFixture()
    {
        Root = Path.Combine(Path.GetTempPath(), "blip-cli-tests-" + Guid.NewGuid().ToString("N"));
        string tinyA = Path.Combine(FindFixtures(), "transformers-tiny-a");
        TinyA = tinyA;
        string checkpointDirectory = Path.Combine(tinyA, "checkpoint");
        ModelDirectory = Path.Combine(Root, "model");
        BlipModelBuilder.Build(CheckpointLoader.Load(checkpointDirectory), ModelDirectory);

        Photos = Directory.CreateDirectory(Path.Combine(Root, "photos")).FullName;
        Directory.CreateDirectory(Path.Combine(Photos, "nested"));
        File.Copy(Path.Combine(tinyA, "images", "astronaut.png"), Path.Combine(Photos, "astronaut.png"));
        File.Copy(Path.Combine(tinyA, "images", "rocket.jpg"), Path.Combine(Photos, "nested", "rocket.jpg"));
        File.Copy(Path.Combine(tinyA, "images", "coffee.png"), Path.Combine(Photos, "nested", "coffee.png"));
        File.WriteAllText(Path.Combine(Photos, "broken.jpg"), "this is not a JPEG");
        File.WriteAllText(Path.Combine(Photos, "notes.txt"), "not an image, and not picked up from a folder");
    }

    public string Root { get; }

    /// <summary>tests/fixtures/transformers-tiny-a: the checkpoint the model was built from, its photos and transformers' outputs.</summary>
    public string TinyA { get; }

    public string ModelDirectory { get; }

    public string Photos { get; }

    public string Photo(params string[] parts) => Path.Combine([Photos, .. parts]);

    /// <summary>The built model's manifest.</summary>
    public BlipCaptioning.Model.BlipModelManifest Manifest() =>
        BlipCaptioning.Model.BlipModelManifest.FromJson(File.ReadAllText(Path.Combine(ModelDirectory, "blip-model.json")));

    /// <summary>A copy of the model folder that a test may edit.</summary>
    public string CopyModel()
    {
        string copy = Directory.CreateDirectory(Path.Combine(Root, "model-copy-" + Guid.NewGuid().ToString("N"))).FullName;
        foreach (string file in Directory.EnumerateFiles(ModelDirectory))
        {
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        }

        return copy;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }

    private static string FindFixtures()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "tests", "fixtures");
            if (Directory.Exists(Path.Combine(candidate, "transformers-tiny-a")))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("tests/fixtures/transformers-tiny-a not found above " + AppContext.BaseDirectory);
    }
}

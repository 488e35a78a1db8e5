namespace BlipCaptioning.Testing;

/// <summary>The repository's folders, found above the test binaries: the folder that holds BlipFunctions.sln.</summary>
public static class RepositoryPaths
{
    private static readonly Lazy<string> s_root = new(FindRoot);

    /// <summary>The repository root.</summary>
    public static string Root => s_root.Value;

    /// <summary>tests/fixtures: the committed fixtures, each with its provenance.</summary>
    public static string Fixtures => Path.Combine(Root, "tests", "fixtures");

    /// <summary>tests/fixtures/transformers-tiny-a: a tiny BLIP checkpoint, four photos and transformers' outputs for them.</summary>
    public static string TinyA => Path.Combine(Fixtures, "transformers-tiny-a");

    /// <summary>tests/fixtures/transformers-tiny-a/checkpoint: the checkpoint as the hub would hold it.</summary>
    public static string TinyACheckpoint => Path.Combine(TinyA, "checkpoint");

    /// <summary>infra/: the Bicep templates.</summary>
    public static string Infra => Path.Combine(Root, "infra");

    /// <summary>A path under the repository root.</summary>
    public static string InRoot(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>A path under tests/fixtures.</summary>
    public static string Fixture(params string[] parts) => Path.Combine([Fixtures, .. parts]);

    /// <summary>One of tiny-a's photos (astronaut, chelsea and coffee are PNG, rocket is JPEG).</summary>
    public static string TinyAPhoto(string name) => Directory.EnumerateFiles(Path.Combine(TinyA, "images"), name + ".*").Single();

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "BlipFunctions.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No BlipFunctions.sln above {AppContext.BaseDirectory}: run the tests from the repository's build output.");
    }
}

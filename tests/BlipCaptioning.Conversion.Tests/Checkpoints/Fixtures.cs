namespace BlipCaptioning.Conversion.Tests.Checkpoints;

/// <summary>Paths of the repository's test fixtures and a scratch folder per test.</summary>
internal static class Fixtures
{
    /// <summary>The repository's tests/fixtures folder, found above the test assembly.</summary>
    public static string Root { get; } = FindFixtures();

    public static string TinyACheckpoint => Path.Combine(Root, "transformers-tiny-a", "checkpoint");

    public static string TinyAParameters => Path.Combine(Root, "transformers-tiny-a", "reference", "parameters.txt");

    private static string FindFixtures()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "tests", "fixtures");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("tests/fixtures was not found above the test assembly.");
    }
}

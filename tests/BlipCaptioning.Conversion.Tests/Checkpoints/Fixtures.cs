namespace BlipCaptioning.Conversion.Tests.Checkpoints;

/// <summary>Paths of the repository's test fixtures and a scratch folder per test.</summary>
internal static class Fixtures
{
    public static string TinyACheckpoint => Path.Combine(FindFixtures(), "transformers-tiny-a", "checkpoint");

    public static string TinyAParameters => Path.Combine(FindFixtures(), "transformers-tiny-a", "reference", "parameters.txt");

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

namespace BlipFunctions.Infra.Tests;

/// <summary>Finds the repository's files from the test's output folder (the folder holding BlipFunctions.sln).</summary>
internal static class RepositoryPaths
{
    private static readonly Lazy<string> s_root = new(FindRoot);

    public static string Root => s_root.Value;

    public static string Infra => Path.Combine(Root, "infra");

    public static string InRoot(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "BlipFunctions.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException(
            $"No BlipFunctions.sln above {AppContext.BaseDirectory}: run the tests from the repository's build output.");
    }
}

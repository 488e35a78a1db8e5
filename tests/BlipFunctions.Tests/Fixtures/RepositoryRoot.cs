namespace BlipFunctions.Tests.Fixtures;

/// <summary>The repository root: the folder above the test binaries that holds BlipFunctions.sln.</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "BlipFunctions.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No BlipFunctions.sln above {AppContext.BaseDirectory}: run the tests from the repository.");
    }
}

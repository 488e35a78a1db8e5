namespace BlipFunctions.Bench;

/// <summary>The repository root (the folder holding BlipFunctions.sln) above the working directory or the binaries.</summary>
internal static class RepositoryFolder
{
    public static string Find()
    {
        foreach (string start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "BlipFunctions.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new BenchUsageException("Run blip-functions-bench from inside the BlipFunctions repository (it needs host.json and node_modules/.bin/azurite).");
    }
}

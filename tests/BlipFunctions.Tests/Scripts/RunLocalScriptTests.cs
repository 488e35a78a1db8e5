using System.Diagnostics;
using BlipFunctions.Tests.Fixtures;

namespace BlipFunctions.Tests.Scripts;

public sealed class RunLocalScriptTests
{
    [Fact]
    public async Task RunLocal_WithoutCoreTools_SaysHowToInstallItAndStopsBeforeStartingAnything()
    {
        // A PATH with the tools the script checks for except `func` (whatever this machine has installed).
        string bin = Directory.CreateTempSubdirectory("run-local-path-").FullName;
        try
        {
            foreach (string tool in new[] { "dirname", "cat", "dotnet", "npm" })
            {
                string? found = Which(tool);
                Assert.NotNull(found);
                File.CreateSymbolicLink(Path.Combine(bin, tool), found);
            }

            var start = new ProcessStartInfo("/bin/bash")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = RepositoryRoot.Path,
            };
            start.ArgumentList.Add(Path.Combine(RepositoryRoot.Path, "scripts", "run-local.sh"));
            start.Environment["PATH"] = bin;
            using Process process = Process.Start(start)!;
            Task<string> stdout = process.StandardOutput.ReadToEndAsync();
            Task<string> stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

            Assert.Equal(3, process.ExitCode);
            Assert.Contains("Azure Functions Core Tools (`func`, version 4) is not installed", await stderr, StringComparison.Ordinal);
            Assert.Contains("npm install -g azure-functions-core-tools@4", await stderr, StringComparison.Ordinal);
            Assert.Contains("scripts/test.sh", await stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("Azurite is up", await stdout, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(bin, recursive: true);
        }
    }

    private static string? Which(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, tool))
            .FirstOrDefault(File.Exists);
}

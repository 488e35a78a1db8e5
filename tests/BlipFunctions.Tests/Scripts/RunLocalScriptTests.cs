using System.Diagnostics;
using System.Text.Json;
using BlipCaptioning.Testing;
using BlipFunctions.Tests.Fixtures;

namespace BlipFunctions.Tests.Scripts;

public sealed class RunLocalScriptTests
{
    [Fact]
    public async Task RunLocal_CoreToolsMissingAndItsInstallFails_SaysWhatFailedAndStopsBeforeStartingAnything()
    {
        // No `func` anywhere on PATH, and npm offline with an empty cache: the install fails as it does where its
        // download (cdn.functions.azure.com) cannot be reached. It goes to a folder of the test's, not .tools/.
        string scratch = Directory.CreateTempSubdirectory("run-local-").FullName;
        try
        {
            var (exitCode, output, errors) = await RunAsync(Path.Combine(RepositoryPaths.Root, "scripts", "run-local.sh"), [], new Dictionary<string, string>
            {
                ["PATH"] = PathWithout("func"),
                ["BLIP_CORE_TOOLS_DIR"] = Path.Combine(scratch, "core-tools"),
                ["npm_config_offline"] = "true",
                ["npm_config_cache"] = Path.Combine(scratch, "npm-cache"),
            });

            Assert.Equal(3, exitCode);
            Assert.Contains("installing Azure Functions Core Tools 4.15.1", output, StringComparison.Ordinal);
            Assert.Contains("Azure Functions Core Tools (`func`, version 4) is not installed, and installing it failed", errors, StringComparison.Ordinal);
            Assert.Contains(Path.Combine(scratch, "core-tools", "install.log"), errors, StringComparison.Ordinal);
            Assert.Contains("npm install -g azure-functions-core-tools@4", errors, StringComparison.Ordinal);
            Assert.Contains("scripts/test.sh", errors, StringComparison.Ordinal);
            Assert.DoesNotContain("Azurite is up", output, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(scratch, "core-tools", "install.log")));
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    [Fact]
    public async Task WriteLocalSettings_RelativeModelFolder_WritesTheSampleWithTheAbsolutePath()
    {
        string scratch = Directory.CreateTempSubdirectory("local-settings-").FullName;
        try
        {
            var (exitCode, _, errors) = await RunAsync(Path.Combine(RepositoryPaths.Root, "scripts", "write-local-settings.sh"),
                ["models/tiny", "settings/local.settings.json"], new Dictionary<string, string>(), workingDirectory: scratch, before: () =>
                    Directory.CreateDirectory(Path.Combine(scratch, "settings")));

            Assert.True(exitCode == 0, errors);
            using JsonDocument written = JsonDocument.Parse(File.ReadAllText(Path.Combine(scratch, "settings", "local.settings.json")));
            using JsonDocument sample = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "local.settings.sample.json")));
            JsonElement values = written.RootElement.GetProperty("Values");
            Assert.Equal(Path.Combine(scratch, "models", "tiny"), values.GetProperty("Captioning__ModelDirectory").GetString());
            foreach (JsonProperty setting in sample.RootElement.GetProperty("Values").EnumerateObject().Where(p => p.Name != "Captioning__ModelDirectory"))
            {
                Assert.Equal(setting.Value.GetString(), values.GetProperty(setting.Name).GetString());
            }
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    [Fact]
    public void LocalSettingsSample_ModelDirectory_IsAnExplicitPlaceholderTheWorkerExplains()
    {
        using JsonDocument sample = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "local.settings.sample.json")));

        string? model = sample.RootElement.GetProperty("Values").GetProperty("Captioning__ModelDirectory").GetString();

        Assert.StartsWith(BlipFunctions.Configuration.ModelDirectoryAdvice.Placeholder, model, StringComparison.Ordinal);
    }

    [Fact]
    public void RunLocal_StartsTheAppWithDotnetRunAsCoreToolsRecommends()
    {
        string script = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "scripts", "run-local.sh"));

        Assert.Contains("\ndotnet run --project src/BlipFunctions -c Release\n", script, StringComparison.Ordinal);
        Assert.DoesNotContain("\nfunc start", script, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Output, string Errors)> RunAsync(
        string script, string[] arguments, Dictionary<string, string> environment, string? workingDirectory = null, Action? before = null)
    {
        before?.Invoke();
        var start = new ProcessStartInfo("/bin/bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? RepositoryPaths.Root,
        };
        start.ArgumentList.Add(script);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach ((string name, string value) in environment)
        {
            start.Environment[name] = value;
        }

        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
        return (process.ExitCode, await output, await errors);
    }

    /// <summary>This machine's PATH without the folders that hold <paramref name="tool"/>.</summary>
    private static string PathWithout(string tool) =>
        string.Join(Path.PathSeparator, (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(dir => !File.Exists(Path.Combine(dir, tool))));
}

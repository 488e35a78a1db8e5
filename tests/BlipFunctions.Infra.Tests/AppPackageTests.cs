using System.Diagnostics;
using System.Text.Json;
using BlipCaptioning.Testing;

namespace BlipFunctions.Infra.Tests;

/// <summary>The deployment package is for Flex Consumption (linux-x64) only: no natives for platforms it never runs on.</summary>
public sealed class AppPackageTests
{
    [Fact]
    public async Task Publish_WithoutARuntime_TargetsLinuxX64FrameworkDependent()
    {
        // What `dotnet publish` (azd deploy) evaluates: the CLI sets _IsPublishing.
        JsonElement properties = await EvaluateAsync("-p:_IsPublishing=true");

        Assert.Equal("linux-x64", properties.GetProperty("RuntimeIdentifier").GetString());
        Assert.Equal("false", properties.GetProperty("SelfContained").GetString());
    }

    [Fact]
    public async Task Build_ForTestsAndLocalRuns_StaysPlatformNeutral()
    {
        JsonElement properties = await EvaluateAsync();

        Assert.Equal(string.Empty, properties.GetProperty("RuntimeIdentifier").GetString());
    }

    [Fact]
    public void DeployScript_PublishesForLinuxX64()
    {
        string script = new ShellScript("scripts/deploy.sh").Text;

        Assert.Contains("dotnet publish src/BlipFunctions --configuration Release --runtime linux-x64 --self-contained false", script, StringComparison.Ordinal);
    }

    private static async Task<JsonElement> EvaluateAsync(params string[] properties)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepositoryPaths.Root,
        };
        foreach (string argument in (string[])["msbuild", RepositoryPaths.InRoot("src", "BlipFunctions", "BlipFunctions.csproj"),
                     "-getProperty:RuntimeIdentifier", "-getProperty:SelfContained", "-p:Configuration=Release", .. properties])
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        Assert.True(process.ExitCode == 0, $"dotnet msbuild failed: {await output}{await errors}");
        using JsonDocument document = JsonDocument.Parse(await output);
        return document.RootElement.GetProperty("Properties").Clone();
    }
}

using System.Diagnostics;
using System.Text.RegularExpressions;
using BlipCaptioning.Testing;

namespace BlipFunctions.Infra.Tests;

/// <summary>The azd project, its parameters file and the post-deploy scripts agree with the Bicep they drive.</summary>
[Collection(SharedInfrastructureBuild.Name)]
public sealed partial class DeployScriptTests(CompiledInfrastructure infra)
{
    private static readonly string[] s_scripts = ["scripts/deploy.sh", "scripts/subscribe-eventgrid.sh", "scripts/deploy-model.sh"];

    public static TheoryData<string> Scripts => new(s_scripts);

    [Fact]
    public void AzureYaml_PostDeployHook_RunsTheEventGridSubscriptionScript()
    {
        var yaml = File.ReadAllText(RepositoryPaths.InRoot("azure.yaml"));
        var hook = PostDeployRunPattern().Match(yaml);
        Assert.True(hook.Success, "azure.yaml has no postdeploy hook with a run line.");
        Assert.Equal("./scripts/subscribe-eventgrid.sh", hook.Groups[1].Value);
    }

    [Fact]
    public void AzureYaml_ApiService_IsTheFunctionsProjectOnAFunctionHost()
    {
        var yaml = File.ReadAllText(RepositoryPaths.InRoot("azure.yaml"));
        Assert.Matches(@"(?m)^  api:\r?\n    project: \./src/BlipFunctions\r?\n    language: dotnet\r?\n    host: function$", yaml);
        // azd finds the site by this tag; functions.bicep sets it from serviceName.
        Assert.Equal("api", infra.Template("main.bicep").Module("functions").EvaluateString(System.Text.Json.Nodes.JsonValue.Create("[parameters('serviceName')]")));
    }

    [Fact]
    public void MainParameters_EveryValue_IsAParameterOfMainBicep()
    {
        var file = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Infra, "main.parameters.json")));
        var declared = infra.Template("main.bicep").Template["parameters"]!.AsObject().Select(pair => pair.Key).ToHashSet();
        var supplied = file?["parameters"]?.AsObject().Select(pair => pair.Key).ToList() ?? [];
        Assert.NotEmpty(supplied);
        Assert.All(supplied, name => Assert.Contains(name, declared));
    }

    [Fact]
    public void SubscribeScript_Parameters_AreThoseEventGridBicepDeclares()
    {
        var script = new ShellScript("scripts/subscribe-eventgrid.sh").Text;
        Assert.Contains("--template-file infra/eventgrid.bicep", script, StringComparison.Ordinal);
        var declared = infra.Template("eventgrid.bicep").Template["parameters"]!.AsObject().Select(pair => pair.Key).ToHashSet();
        var passed = ParameterAssignmentPattern().Matches(script).Select(match => match.Groups[1].Value).ToList();
        Assert.Equal(["functionAppName", "systemTopicName", "storageAccountName", "imagesContainerName", "deadLetterContainerName"], passed);
        Assert.All(passed, name => Assert.Contains(name, declared));
    }

    [Fact]
    public void Scripts_MainBicepOutputsTheyRead_AllExist()
    {
        var outputs = infra.Template("main.bicep").Template["outputs"]!.AsObject().Select(pair => pair.Key).ToHashSet();
        foreach (var script in s_scripts)
        {
            var text = new ShellScript(script).Text;
            foreach (var name in AzureVariablePattern().Matches(text).Select(match => match.Value).Distinct())
            {
                Assert.True(outputs.Contains(name), $"{script} reads {name}, which infra/main.bicep does not output.");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Scripts))]
    public async Task Script_Syntax_ParsesAsPosixShellAndIsExecutable(string script)
    {
        var path = new ShellScript(script).Path;
        Assert.True((File.GetUnixFileMode(path) & UnixFileMode.UserExecute) != 0, $"{script} is not executable.");
        using var process = Process.Start(new ProcessStartInfo("/bin/sh", ["-n", path]) { RedirectStandardError = true })!;
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, errors);
    }

    [Fact]
    public async Task SubscribeScript_WithoutAzureCli_SaysToInstallIt()
    {
        var (exitCode, _, error) = await new ShellScript("scripts/subscribe-eventgrid.sh").RunAsync([], ["dirname"], CancellationToken.None);
        Assert.Equal(1, exitCode);
        Assert.StartsWith("error: the Azure CLI (az) is needed", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeployScript_WithoutArguments_PrintsUsage()
    {
        var (exitCode, _, error) = await new ShellScript("scripts/deploy.sh").RunAsync([], ["dirname"], CancellationToken.None);
        Assert.Equal(1, exitCode);
        Assert.StartsWith("error: usage: scripts/deploy.sh ENVIRONMENT_NAME REGION", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeployModelScript_FolderWithoutManifest_SaysToFetchTheModelFirst()
    {
        var empty = Directory.CreateTempSubdirectory("blipfunctions-no-model-");
        try
        {
            var (exitCode, _, error) = await new ShellScript("scripts/deploy-model.sh")
                .RunAsync(["stexample", empty.FullName], ["dirname"], CancellationToken.None);
            Assert.Equal(1, exitCode);
            Assert.Contains("blip-model.json missing", error, StringComparison.Ordinal);
            Assert.Contains($"blip model fetch --out {empty.FullName}", error, StringComparison.Ordinal);
        }
        finally
        {
            empty.Delete(recursive: true);
        }
    }

    [GeneratedRegex(@"(?m)^\s*postdeploy:\s*\n(?:\s+.*\n)*?\s+run:\s*(\S+)")]
    private static partial Regex PostDeployRunPattern();

    [GeneratedRegex(@"\s(\w+)=""\$\w+""")]
    private static partial Regex ParameterAssignmentPattern();

    [GeneratedRegex(@"\bAZURE_[A-Z_]+\b")]
    private static partial Regex AzureVariablePattern();
}

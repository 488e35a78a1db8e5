using BlipCaptioning.Testing;

namespace BlipFunctions.Infra.Tests;

/// <summary>Every Bicep file compiles and lints without a single diagnostic, offline, with the CLI from NuGet.</summary>
[Collection(SharedInfrastructureBuild.Name)]
public sealed class BicepBuildTests(CompiledInfrastructure infra)
{
    [Fact]
    public void Infra_Folder_HoldsTheDeploymentAndTheEventGridStep()
    {
        Assert.Contains("main.bicep", infra.BicepFiles);
        Assert.Contains("eventgrid.bicep", infra.BicepFiles);
    }

    [Fact]
    public void Build_EveryBicepFile_SucceedsWithoutWarnings()
    {
        Assert.True(infra.Build.ExitCode == 0, infra.Build.Transcript);
        Assert.True(infra.Build.StandardError.Length == 0, infra.Build.Transcript);
        Assert.True(infra.Build.StandardOutput.Length == 0, infra.Build.Transcript);
    }

    [Fact]
    public void Build_EveryBicepFile_WritesItsArmTemplate()
    {
        Assert.Equal(infra.BicepFiles, infra.CompiledFiles.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Lint_EveryBicepFile_PrintsNothing()
    {
        Assert.True(infra.Lint.ExitCode == 0, infra.Lint.Transcript);
        Assert.True(infra.Lint.StandardError.Length == 0, infra.Lint.Transcript);
        Assert.True(infra.Lint.StandardOutput.Length == 0, infra.Lint.Transcript);
    }

    [Fact]
    public void BicepFiles_NoRegistryModules_SoBuildsNeedNoNetwork()
    {
        foreach (var file in infra.BicepFiles)
        {
            var text = File.ReadAllText(Path.Combine(RepositoryPaths.Infra, file));
            Assert.DoesNotMatch(@"module\s+\w+\s+'(br|ts)[:/]", text);
        }
    }
}

using System.Text.Json.Nodes;

namespace BlipFunctions.Infra.Tests;

/// <summary>The Flex Consumption plan and the .NET 10 isolated Function App that main.bicep deploys.</summary>
[Collection(SharedInfrastructureBuild.Name)]
public sealed class FunctionAppTests(CompiledInfrastructure infra)
{
    private ArmScope Functions => infra.Template("main.bicep").Module("functions");

    private JsonNode Site => Functions.SingleResource("Microsoft.Web/sites").Resource;

    private JsonNode FunctionAppConfig => Site["properties"]?["functionAppConfig"]
        ?? throw new InvalidOperationException("The site has no functionAppConfig.");

    [Fact]
    public void Plan_Sku_IsFlexConsumptionOnLinux()
    {
        var (_, plan) = Functions.SingleResource("Microsoft.Web/serverfarms");
        Assert.Equal("FC1", (string?)plan["sku"]?["name"]);
        Assert.Equal("FlexConsumption", (string?)plan["sku"]?["tier"]);
        Assert.True((bool?)plan["properties"]?["reserved"]);
    }

    [Fact]
    public void Site_Kind_IsLinuxFunctionAppWithHttpsOnly()
    {
        Assert.Equal("functionapp,linux", (string?)Site["kind"]);
        Assert.True((bool?)Site["properties"]?["httpsOnly"]);
    }

    [Fact]
    public void Runtime_Defaults_AreDotnetIsolated10()
    {
        Assert.Equal("dotnet-isolated", Functions.EvaluateString(FunctionAppConfig["runtime"]?["name"]));
        Assert.Equal("10.0", Functions.EvaluateString(FunctionAppConfig["runtime"]?["version"]));
    }

    [Fact]
    public void InstanceMemory_Default_Is4096MegabytesForTheModel()
    {
        var memory = Functions.Evaluate(FunctionAppConfig["scaleAndConcurrency"]?["instanceMemoryMB"]);
        Assert.Equal(4096, (long?)memory);
    }

    [Fact]
    public void InstanceMemory_Parameter_AllowsOnlySizesThatHoldTheModel()
    {
        var allowed = infra.Template("main.bicep").Template["parameters"]?["instanceMemoryMB"]?["allowedValues"]?.AsArray()
            .Select(value => (int)value!).ToArray() ?? [];
        Assert.Equal([2048, 4096], allowed);
    }

    [Theory]
    [InlineData("maximumInstanceCount", 40)]
    [InlineData("alwaysReadyBlobInstances", 0)]
    [InlineData("alwaysReadyHttpInstances", 0)]
    [InlineData("httpPerInstanceConcurrency", 4)]
    [InlineData("captioningMaxConcurrency", 1)]
    public void ScaleParameters_MainBicep_ExposesThemWithDefaults(string parameter, int expectedDefault)
    {
        var declaration = infra.Template("main.bicep").Template["parameters"]?[parameter];
        Assert.NotNull(declaration);
        Assert.Equal(expectedDefault, (int?)declaration["defaultValue"]);
        Assert.Equal(expectedDefault, (long?)Functions.Parameter(parameter));
    }

    [Fact]
    public void ScaleAndConcurrency_AlwaysReadyAndMaximum_ComeFromTheParameters()
    {
        var scale = FunctionAppConfig["scaleAndConcurrency"]!;
        Assert.Equal("[parameters('maximumInstanceCount')]", (string?)scale["maximumInstanceCount"]);
        Assert.Equal("[variables('alwaysReady')]", (string?)scale["alwaysReady"]);
        var alwaysReady = Functions.Template["variables"]?["alwaysReady"]?.ToJsonString() ?? "";
        Assert.Contains("alwaysReadyBlobInstances", alwaysReady, StringComparison.Ordinal);
        Assert.Contains("alwaysReadyHttpInstances", alwaysReady, StringComparison.Ordinal);
    }

    [Fact]
    public void Deployment_Storage_IsABlobContainerReadWithTheUserAssignedIdentity()
    {
        var storage = FunctionAppConfig["deployment"]?["storage"];
        Assert.Equal("blobContainer", (string?)storage?["type"]);
        Assert.Contains("parameters('deploymentContainerName')", (string?)storage?["value"], StringComparison.Ordinal);
        Assert.Equal("UserAssignedIdentity", (string?)storage?["authentication"]?["type"]);
        Assert.Equal("[parameters('identityId')]", (string?)storage?["authentication"]?["userAssignedIdentityResourceId"]);
    }

    [Fact]
    public void Identity_Site_UsesOnlyTheUserAssignedIdentity()
    {
        Assert.Equal("UserAssigned", (string?)Site["identity"]?["type"]);
        var identities = Site["identity"]?["userAssignedIdentities"]?.AsObject();
        Assert.NotNull(identities);
        Assert.Contains("parameters('identityId')", Assert.Single(identities).Key, StringComparison.Ordinal);
        Assert.Contains("'identity'", (string?)Functions.Deployment?["properties"]?["parameters"]?["identityId"]?["value"], StringComparison.Ordinal);
    }
}

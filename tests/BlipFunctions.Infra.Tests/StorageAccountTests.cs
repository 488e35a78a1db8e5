using System.Text.Json.Nodes;

namespace BlipFunctions.Infra.Tests;

/// <summary>The storage account main.bicep deploys: locked to Entra ID, and holding what the app expects.</summary>
[Collection(SharedInfrastructureBuild.Name)]
public sealed class StorageAccountTests(CompiledInfrastructure infra)
{
    private JsonNode Account => infra.Template("main.bicep").SingleResource("Microsoft.Storage/storageAccounts").Resource;

    [Fact]
    public void StorageAccount_SharedKeyAccess_IsDisabled()
    {
        Assert.False((bool?)Account["properties"]?["allowSharedKeyAccess"]);
        Assert.True((bool?)Account["properties"]?["defaultToOAuthAuthentication"]);
    }

    [Fact]
    public void StorageAccount_PublicBlobAccess_IsOff()
    {
        Assert.False((bool?)Account["properties"]?["allowBlobPublicAccess"]);
    }

    [Fact]
    public void StorageAccount_MinimumTls_Is12AndHttpsOnly()
    {
        Assert.Equal("TLS1_2", (string?)Account["properties"]?["minimumTlsVersion"]);
        Assert.True((bool?)Account["properties"]?["supportsHttpsTrafficOnly"]);
    }

    [Fact]
    public void StorageAccount_HierarchicalNamespace_IsOffSoBlobIndexTagsWork()
    {
        Assert.False((bool?)Account["properties"]?["isHnsEnabled"]);
    }

    [Theory]
    [InlineData("imagesContainerName", "images")]
    [InlineData("modelsContainerName", "models")]
    public void Containers_AgreedNames_AreCreatedPrivate(string parameter, string expectedName)
    {
        var storage = infra.Template("main.bicep").Module("storage");
        Assert.Equal(expectedName, storage.EvaluateString(JsonValue.Create($"[parameters('{parameter}')]")));
        AssertPrivateContainerNamedBy(storage, parameter);
    }

    [Fact]
    public void Containers_DeploymentPackage_IsCreatedPrivate()
    {
        var storage = infra.Template("main.bicep").Module("storage");
        AssertPrivateContainerNamedBy(storage, "deploymentContainerName");
    }

    [Fact]
    public void Containers_EventDeadLetters_IsCreatedPrivate()
    {
        var storage = infra.Template("main.bicep").Module("storage");
        Assert.Equal("event-deadletters", storage.EvaluateString(JsonValue.Create("[parameters('deadLetterContainerName')]")));
        AssertPrivateContainerNamedBy(storage, "deadLetterContainerName");
    }

    [Fact]
    public void Tables_Captions_IsCreated()
    {
        var storage = infra.Template("main.bicep").Module("storage");
        Assert.Equal("captions", storage.EvaluateString(JsonValue.Create("[parameters('captionsTableName')]")));
        var (_, table) = storage.SingleResource("Microsoft.Storage/storageAccounts/tableServices/tables");
        Assert.Contains("parameters('captionsTableName')", (string?)table["name"], StringComparison.Ordinal);
    }

    [Fact]
    public void EventGridSystemTopic_Source_IsTheStorageAccount()
    {
        var (_, topic) = infra.Template("main.bicep").SingleResource("Microsoft.EventGrid/systemTopics");
        Assert.Equal("Microsoft.Storage.StorageAccounts", (string?)topic["properties"]?["topicType"]);
        Assert.Equal(
            "[resourceId('Microsoft.Storage/storageAccounts', parameters('name'))]",
            (string?)topic["properties"]?["source"]);
        Assert.Equal("SystemAssigned", (string?)topic["identity"]?["type"]);
    }

    private static void AssertPrivateContainerNamedBy(ArmScope storage, string parameter)
    {
        var container = Assert.Single(
            storage.ResourcesOfType("Microsoft.Storage/storageAccounts/blobServices/containers"),
            match => ((string?)match.Resource["name"])?.Contains($"parameters('{parameter}')", StringComparison.Ordinal) == true);
        Assert.Equal("None", (string?)container.Resource["properties"]?["publicAccess"]);
    }
}

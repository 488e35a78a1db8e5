using System.Text.Json.Nodes;
using BlipCaptioning.Testing;

namespace BlipFunctions.Infra.Tests;

/// <summary>The Function App's settings: identity-based connections only, and the names the app reads.</summary>
[Collection(SharedInfrastructureBuild.Name)]
public sealed class AppSettingsTests(CompiledInfrastructure infra)
{
    private static readonly string[] s_secretMarkers =
    [
        "AccountKey=", "DefaultEndpointsProtocol", "SharedAccessSignature", "AccountName=", "listKeys", "listAccountSas",
        "listServiceSas", "InstrumentationKey=",
    ];

    private ArmScope Functions => infra.Template("main.bicep").Module("functions");

    private JsonObject Settings
    {
        get
        {
            var (_, config) = Assert.Single(
                Functions.ResourcesOfType("Microsoft.Web/sites/config"),
                match => ((string?)match.Resource["name"])?.Contains("'appsettings'", StringComparison.Ordinal) == true);
            return config["properties"]?.AsObject() ?? throw new InvalidOperationException("appsettings has no properties.");
        }
    }

    [Fact]
    public void AppSettings_Values_HoldNoKeysOrConnectionStringSecrets()
    {
        foreach (var (name, value) in Settings)
        {
            var text = value?.ToJsonString() ?? "";
            foreach (var marker in s_secretMarkers)
            {
                Assert.False(text.Contains(marker, StringComparison.OrdinalIgnoreCase), $"{name} = {text} contains {marker}");
            }
        }
    }

    [Fact]
    public void MainTemplate_Anywhere_ReadsNoStorageKeys()
    {
        var text = infra.TemplateText("main.bicep");
        Assert.DoesNotContain("listKeys", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("listAccountSas", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("AccountKey=", text, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("AzureWebJobsStorage")]
    [InlineData("CaptionStorage")]
    public void Connection_PlainConnectionStringSetting_IsAbsent(string connection)
    {
        Assert.False(Settings.ContainsKey(connection), $"{connection} must be identity-based (prefix settings), not a connection string.");
    }

    [Theory]
    [InlineData("AzureWebJobsStorage")]
    [InlineData("CaptionStorage")]
    public void Connection_Credential_IsTheUserAssignedManagedIdentity(string connection)
    {
        Assert.Equal("managedidentity", (string?)Settings[$"{connection}__credential"]);
        Assert.Equal("[parameters('identityClientId')]", (string?)Settings[$"{connection}__clientId"]);
    }

    [Theory]
    [InlineData("AzureWebJobsStorage")]
    [InlineData("CaptionStorage")]
    public void Connection_ServiceUris_CoverBlobQueueAndTable(string connection)
    {
        Assert.Equal("[parameters('blobEndpoint')]", (string?)Settings[$"{connection}__blobServiceUri"]);
        Assert.Equal("[parameters('queueEndpoint')]", (string?)Settings[$"{connection}__queueServiceUri"]);
        Assert.Equal("[parameters('tableEndpoint')]", (string?)Settings[$"{connection}__tableServiceUri"]);
    }

    [Fact]
    public void ApplicationInsights_Authentication_IsEntraIdAsTheAppIdentity()
    {
        Assert.Equal(
            "[format('ClientId={0};Authorization=AAD', parameters('identityClientId'))]",
            (string?)Settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]);
        Assert.Equal("[parameters('applicationInsightsConnectionString')]", (string?)Settings["APPLICATIONINSIGHTS_CONNECTION_STRING"]);
    }

    [Theory]
    [InlineData("FUNCTIONS_WORKER_RUNTIME")]
    [InlineData("FUNCTIONS_EXTENSION_VERSION")]
    [InlineData("WEBSITE_RUN_FROM_PACKAGE")]
    [InlineData("AzureWebJobsStorage__accountName")]
    public void FlexConsumption_SettingsItRejectsOrReplaces_AreAbsent(string setting)
    {
        Assert.False(Settings.ContainsKey(setting), $"{setting} is set by functionAppConfig on Flex Consumption.");
    }

    [Theory]
    [InlineData("Captioning__CaptionsTable", "captions")]
    [InlineData("Captioning__MaxConcurrency", "1")]
    [InlineData("Captioning__ModelDirectory", "/tmp/blip-model/blip-image-captioning-base")]
    public void Captioning_Settings_HaveTheAgreedValues(string setting, string expected)
    {
        Assert.Equal(expected, Functions.EvaluateString(Settings[setting]));
    }

    [Fact]
    public void Captioning_ModelBlobUri_PointsAtTheModelFolderInTheModelsContainer()
    {
        Assert.Equal(
            "[format('{0}{1}/{2}', parameters('blobEndpoint'), parameters('modelsContainerName'), parameters('modelFolder'))]",
            (string?)Settings["Captioning__ModelBlobUri"]);
        Assert.Equal("models", Functions.EvaluateString(JsonValue.Create("[parameters('modelsContainerName')]")));
        Assert.Equal("blip-image-captioning-base", Functions.EvaluateString(JsonValue.Create("[parameters('modelFolder')]")));
    }

    [Fact]
    public void AppSettings_AppNames_AreDocumentedInTheReadmeSettingsTable()
    {
        var readme = File.ReadAllText(RepositoryPaths.InRoot("README.md"));
        foreach (var (name, _) in Settings)
        {
            if (name.StartsWith("Captioning__", StringComparison.Ordinal) || name.StartsWith("CaptionStorage__", StringComparison.Ordinal)
                || name.StartsWith("Reconcile__", StringComparison.Ordinal))
            {
                Assert.True(readme.Contains($"`{name}`", StringComparison.Ordinal), $"README.md's Settings table does not name {name}.");
            }
        }
    }
}

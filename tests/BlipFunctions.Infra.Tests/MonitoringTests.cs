namespace BlipFunctions.Infra.Tests;

/// <summary>Application Insights on a Log Analytics workspace, accepting only Entra-authenticated telemetry.</summary>
[Collection(SharedInfrastructureBuild.Name)]
public sealed class MonitoringTests(CompiledInfrastructure infra)
{
    private ArmScope Monitoring => infra.Template("main.bicep").Module("monitoring");

    [Fact]
    public void ApplicationInsights_LocalAuth_IsDisabled()
    {
        var (_, component) = Monitoring.SingleResource("Microsoft.Insights/components");
        Assert.True((bool?)component["properties"]?["DisableLocalAuth"]);
    }

    [Fact]
    public void ApplicationInsights_Workspace_IsTheLogAnalyticsWorkspace()
    {
        var (_, component) = Monitoring.SingleResource("Microsoft.Insights/components");
        var (_, workspace) = Monitoring.SingleResource("Microsoft.OperationalInsights/workspaces");
        Assert.Equal("[parameters('logAnalyticsName')]", (string?)workspace["name"]);
        Assert.Equal(
            "[resourceId('Microsoft.OperationalInsights/workspaces', parameters('logAnalyticsName'))]",
            (string?)component["properties"]?["WorkspaceResourceId"]);
    }

    [Fact]
    public void LogAnalytics_Retention_DefaultsTo30Days()
    {
        var (_, workspace) = Monitoring.SingleResource("Microsoft.OperationalInsights/workspaces");
        Assert.Equal(30, (long?)Monitoring.Evaluate(workspace["properties"]?["retentionInDays"]));
    }
}

using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using BlipFunctions.Telemetry;
using BlipFunctions.Testing;
using BlipFunctions.Tests.Fixtures;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BlipFunctions.Tests.Telemetry;

/// <summary>How the app, built as Program.cs builds it, wires OpenTelemetry to Application Insights.</summary>
[Collection(AzuriteTestGroup.Name)]
public sealed class TelemetryWiringTests(AzuriteFixture azurite, TinyModelFixture model)
{
    // A syntactically valid connection string whose endpoint is this machine's closed port 9: nothing leaves the test.
    private const string ConnectionString = "InstrumentationKey=00000000-0000-4000-8000-000000000000;IngestionEndpoint=http://127.0.0.1:9/";

    [Fact]
    public void Build_ConnectionStringAndEntraAuthentication_ExportsAsTheManagedIdentityAndTellsTheHost()
    {
        using var app = FunctionsAppHost.Create(azurite, model.ModelDirectory, new Dictionary<string, string?>
        {
            [TelemetryServiceCollectionExtensions.ConnectionStringSetting] = ConnectionString,
            [ApplicationInsightsCredential.SettingName] = "ClientId=5f1c2b9e-0000-4000-8000-000000000001;Authorization=AAD",
        });

        var exporter = app.Get<IOptionsMonitor<AzureMonitorExporterOptions>>().Get(Options.DefaultName);
        Assert.Equal(ConnectionString, exporter.ConnectionString);
        Assert.IsType<ManagedIdentityCredential>(exporter.Credential);
        Assert.Equal(bool.TrueString, app.Get<IOptions<WorkerOptions>>().Value.Capabilities["WorkerOpenTelemetryEnabled"]);
    }

    [Fact]
    public void Build_NoConnectionString_ExportsNothingAndLeavesTheLogsToTheHost()
    {
        using var app = FunctionsAppHost.Create(azurite, model.ModelDirectory);

        Assert.Null(app.Get<IOptionsMonitor<AzureMonitorExporterOptions>>().Get(Options.DefaultName).ConnectionString);
        Assert.False(app.Get<IOptions<WorkerOptions>>().Value.Capabilities.ContainsKey("WorkerOpenTelemetryEnabled"));
    }

    [Fact]
    public void Build_MalformedAuthenticationString_FailsAtStartNamingTheSetting()
    {
        var error = Assert.Throws<FormatException>(() => FunctionsAppHost.Create(azurite, model.ModelDirectory, new Dictionary<string, string?>
        {
            [TelemetryServiceCollectionExtensions.ConnectionStringSetting] = ConnectionString,
            [ApplicationInsightsCredential.SettingName] = "ClientId=5f1c2b9e-0000-4000-8000-000000000001",
        }));

        Assert.Contains(ApplicationInsightsCredential.SettingName, error.Message, StringComparison.Ordinal);
    }
}

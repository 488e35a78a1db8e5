using Azure.Monitor.OpenTelemetry.Exporter;
using BlipCaptioning.Diagnostics;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace BlipFunctions.Telemetry;

/// <summary>
/// OpenTelemetry in the worker: the captioner's and the app's sources and meters, the worker's invocation spans and
/// the Azure SDK's storage calls; exported to Application Insights when <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c>
/// is set, signed in as the identity <c>APPLICATIONINSIGHTS_AUTHENTICATION_STRING</c> names. docs/operations.md.
/// </summary>
public static class TelemetryServiceCollectionExtensions
{
    /// <summary>The setting that turns the export on (the Functions host reads the same one).</summary>
    public const string ConnectionStringSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    /// <summary>The worker's invocation spans (children of the host's, which carry the trigger).</summary>
    public const string WorkerActivitySource = "Microsoft.Azure.Functions.Worker";

    /// <summary>The Azure SDK's spans: every blob, table and queue call, as a dependency.</summary>
    public const string AzureSdkActivitySources = "Azure.*";

    /// <summary>
    /// Registers the tracer and meter providers. Without a connection string nothing is exported (tests add their own
    /// exporter); with one, the worker sends its traces, metrics and logs itself and tells the host so (the host then
    /// drops the copies of the worker's logs it would otherwise forward).
    /// </summary>
    /// <exception cref="FormatException">APPLICATIONINSIGHTS_AUTHENTICATION_STRING is malformed.</exception>
    public static IServiceCollection AddBlipTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        // The Azure SDK's ActivitySources stay silent without this switch (Azure.Core: "experimental" tracing).
        AppContext.SetSwitch("Azure.Experimental.EnableActivitySource", true);

        var telemetry = services.AddOpenTelemetry()
            .WithTracing(tracing => tracing
                .AddSource(CaptioningTelemetry.ActivitySourceName, AppTelemetry.ActivitySourceName, WorkerActivitySource, AzureSdkActivitySources))
            .WithMetrics(metrics => metrics
                .AddMeter(CaptioningTelemetry.MeterName, AppTelemetry.MeterName));

        string? connectionString = configuration[ConnectionStringSetting];
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            var credential = ApplicationInsightsCredential.FromSetting(configuration[ApplicationInsightsCredential.SettingName]);
            telemetry.UseFunctionsWorkerDefaults().UseAzureMonitorExporter(options =>
            {
                options.ConnectionString = connectionString;
                if (credential is not null)
                {
                    options.Credential = credential;
                }
            });
        }

        return services;
    }
}

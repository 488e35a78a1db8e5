using BlipFunctions.Configuration;
using BlipFunctions.Telemetry;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace BlipFunctions;

/// <summary>How Program.cs builds the app; the tests build their host the same way.</summary>
public static class BlipFunctionsApplication
{
    /// <summary>
    /// ASP.NET Core integration, the captioning library (model loaded on the first caption, never here: Flex gives
    /// start-up 30 s) and this app's services, all settings validated when the host starts.
    /// </summary>
    public static FunctionsApplicationBuilder ConfigureBlipFunctions(this FunctionsApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.ConfigureFunctionsWebApplication();
        builder.Services.AddBlipCaptioning(builder.Configuration.GetSection(CaptionPipelineOptions.SectionName));
        builder.Services.AddBlipFunctions();
        builder.Services.AddBlipTelemetry(builder.Configuration);
        return builder;
    }
}

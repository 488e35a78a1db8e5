using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace BlipFunctions.Configuration;

/// <summary>Reads the <c>CaptionStorage</c> connection the way the Functions host does (value, or prefixed keys).</summary>
public sealed class CaptionStorageSettingsSetup(IConfiguration configuration) : IConfigureOptions<CaptionStorageSettings>
{
    public void Configure(CaptionStorageSettings options)
    {
        ArgumentNullException.ThrowIfNull(options);
        IConfigurationSection section = configuration.GetSection(CaptionStorageSettings.ConnectionName);
        options.ConnectionString = section.Value;
        string? accountName = section["accountName"];
        options.BlobServiceUri = UriOrNull(section["blobServiceUri"] ?? section["serviceUri"])
            ?? (accountName is null ? null : new Uri($"https://{accountName}.blob.core.windows.net"));
        options.TableServiceUri = UriOrNull(section["tableServiceUri"])
            ?? (accountName is null ? null : new Uri($"https://{accountName}.table.core.windows.net"));
        options.QueueServiceUri = UriOrNull(section["queueServiceUri"])
            ?? (accountName is null ? null : new Uri($"https://{accountName}.queue.core.windows.net"));
        options.Credential = section["credential"];
        options.ClientId = section["clientId"];
    }

    private static Uri? UriOrNull(string? value) =>
        Uri.TryCreate(value, UriKind.Absolute, out Uri? uri) ? uri : null;
}

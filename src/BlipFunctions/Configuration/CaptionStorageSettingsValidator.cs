using Microsoft.Extensions.Options;

namespace BlipFunctions.Configuration;

/// <summary>Fails start-up when the <c>CaptionStorage</c> connection is missing or half-configured.</summary>
public sealed class CaptionStorageSettingsValidator : IValidateOptions<CaptionStorageSettings>
{
    public ValidateOptionsResult Validate(string? name, CaptionStorageSettings options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.UsesConnectionString)
        {
            return ValidateOptionsResult.Success;
        }

        if (options.BlobServiceUri is null || options.TableServiceUri is null || options.QueueServiceUri is null)
        {
            return ValidateOptionsResult.Fail(
                "The CaptionStorage connection is not configured: set CaptionStorage to a connection string " +
                "(locally UseDevelopmentStorage=true for Azurite) or, in Azure, CaptionStorage__blobServiceUri, " +
                "CaptionStorage__queueServiceUri and CaptionStorage__tableServiceUri (with CaptionStorage__credential=managedidentity " +
                "and CaptionStorage__clientId for a user-assigned identity).");
        }

        return ValidateOptionsResult.Success;
    }
}

using Azure.Core;
using Azure.Identity;

namespace BlipFunctions.Telemetry;

/// <summary>
/// The credential the exporter signs in with, read from <c>APPLICATIONINSIGHTS_AUTHENTICATION_STRING</c> exactly as
/// the Functions host reads it for its own telemetry (<c>ClientId=&lt;id&gt;;Authorization=AAD</c>: the user-assigned
/// identity; <c>Authorization=AAD</c> alone: the system-assigned one). Application Insights has local authentication
/// off (infra/app/monitoring.bicep), so without this setting in Azure nothing is accepted.
/// </summary>
public static class ApplicationInsightsCredential
{
    /// <summary>The setting's name.</summary>
    public const string SettingName = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";

    /// <summary>The managed identity the setting names; null when the setting is empty (the connection string's key is used, locally).</summary>
    /// <exception cref="FormatException">The setting is present but not of that form; the message names the setting.</exception>
    public static TokenCredential? FromSetting(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        string? clientId = null;
        bool entra = false;
        foreach (string part in value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int equals = part.IndexOf('=', StringComparison.Ordinal);
            string key = equals < 0 ? part : part[..equals].Trim();
            string item = equals < 0 ? "" : part[(equals + 1)..].Trim();
            if (key.Equals("Authorization", StringComparison.OrdinalIgnoreCase) && item.Equals("AAD", StringComparison.OrdinalIgnoreCase))
            {
                entra = true;
            }
            else if (key.Equals("ClientId", StringComparison.OrdinalIgnoreCase) && item.Length > 0)
            {
                clientId = item;
            }
            else
            {
                throw new FormatException($"{SettingName} has '{part}', which is neither 'Authorization=AAD' nor 'ClientId=<client id of the managed identity>'.");
            }
        }

        if (!entra)
        {
            throw new FormatException($"{SettingName} must contain 'Authorization=AAD' (with 'ClientId=<id>' for a user-assigned identity).");
        }

        return new ManagedIdentityCredential(clientId is null ? ManagedIdentityId.SystemAssigned : ManagedIdentityId.FromUserAssignedClientId(clientId));
    }
}

namespace BlipFunctions.Configuration;

/// <summary>
/// The <c>CaptionStorage</c> connection: a connection string (locally, Azurite) or, in Azure, identity-based
/// service URIs (<c>CaptionStorage__blobServiceUri</c>, <c>__tableServiceUri</c>, <c>__credential</c>, <c>__clientId</c>).
/// </summary>
public sealed class CaptionStorageSettings
{
    /// <summary>The connection name the blob trigger and the clients use.</summary>
    public const string ConnectionName = "CaptionStorage";

    public string? ConnectionString { get; set; }

    public Uri? BlobServiceUri { get; set; }

    public Uri? TableServiceUri { get; set; }

    /// <summary>The queue endpoint (<c>CaptionStorage__queueServiceUri</c>; the blob trigger's poison queue is there).</summary>
    public Uri? QueueServiceUri { get; set; }

    /// <summary><c>managedidentity</c> to use the app's managed identity; otherwise DefaultAzureCredential.</summary>
    public string? Credential { get; set; }

    /// <summary>Client id of a user-assigned managed identity.</summary>
    public string? ClientId { get; set; }

    public bool UsesConnectionString => !string.IsNullOrWhiteSpace(ConnectionString);
}

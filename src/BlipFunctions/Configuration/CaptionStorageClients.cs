using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Options;

namespace BlipFunctions.Configuration;

/// <summary>The blob, table and queue clients of the <c>CaptionStorage</c> connection, and its credential in Azure.</summary>
public sealed class CaptionStorageClients
{
    public CaptionStorageClients(IOptions<CaptionStorageSettings> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        CaptionStorageSettings s = settings.Value;
        if (s.UsesConnectionString)
        {
            Blobs = new BlobServiceClient(s.ConnectionString);
            Tables = new TableServiceClient(s.ConnectionString);
            Queues = new QueueServiceClient(s.ConnectionString);
            return;
        }

        Credential = string.Equals(s.Credential, "managedidentity", StringComparison.OrdinalIgnoreCase)
            ? new ManagedIdentityCredential(string.IsNullOrWhiteSpace(s.ClientId)
                ? ManagedIdentityId.SystemAssigned
                : ManagedIdentityId.FromUserAssignedClientId(s.ClientId))
            : new DefaultAzureCredential();
        Blobs = new BlobServiceClient(s.BlobServiceUri, Credential);
        Tables = new TableServiceClient(s.TableServiceUri, Credential);
        Queues = new QueueServiceClient(s.QueueServiceUri, Credential);
    }

    public BlobServiceClient Blobs { get; }

    public TableServiceClient Tables { get; }

    /// <summary>The queue endpoint: the blob trigger's poison queue, the deletions queue and the reconcile queues.</summary>
    public QueueServiceClient Queues { get; }

    /// <summary>The identity used in Azure; null with a connection string.</summary>
    public TokenCredential? Credential { get; }
}

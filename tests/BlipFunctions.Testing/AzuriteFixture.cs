using Azure.Data.Tables;
using Azure.Storage.Blobs;

using BlipCaptioning.Testing;

namespace BlipFunctions.Testing;

/// <summary>
/// A real Azurite (<see cref="AzuriteProcess"/>) started once per test collection and stopped after it. Run `npm ci`
/// first (scripts/test.sh does).
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private AzuriteProcess? _azurite;

    public string ConnectionString => Running.ConnectionString;

    public int BlobPort => Running.BlobPort;

    public BlobServiceClient Blobs => Running.Blobs;

    public TableServiceClient Tables => Running.Tables;

    private AzuriteProcess Running => _azurite ?? throw new InvalidOperationException("Azurite has not been started: the fixture's InitializeAsync has not run.");

    public async Task InitializeAsync() => _azurite = await AzuriteProcess.StartAsync(RepositoryPaths.Root).ConfigureAwait(false);

    public Task DisposeAsync()
    {
        _azurite?.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>A table name no other test uses.</summary>
    public static string UniqueTableName() => "captions" + Guid.NewGuid().ToString("N")[..12];
}

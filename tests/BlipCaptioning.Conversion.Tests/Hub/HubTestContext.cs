using BlipCaptioning.Conversion.Hub;
using BlipCaptioning.Testing;

namespace BlipCaptioning.Conversion.Tests.Hub;

/// <summary>A <see cref="FakeHubServer"/> plus an empty cache folder, and options that point at both with quick retries.</summary>
internal sealed class HubTestContext : IDisposable
{
    private readonly TemporaryFolder _cache = new();

    public FakeHubServer Server { get; } = FakeHubServer.Start();

    public string CacheDirectory => _cache.Path;

    public HubOptions Options(int maxAttempts = 3) => new()
    {
        Endpoint = Server.Endpoint,
        CacheDirectory = CacheDirectory,
        MaxAttempts = maxAttempts,
        RetryDelay = TimeSpan.FromMilliseconds(1),
        RequestTimeout = TimeSpan.FromSeconds(20),
        ReadTimeout = TimeSpan.FromSeconds(20),
    };

    public async Task<FetchedCheckpoint> FetchAsync(
        HubOptions? options = null,
        string repo = FakeCheckpoint.Repo,
        string revision = "main",
        IProgress<DownloadProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        using var fetcher = new CheckpointFetcher(options ?? Options());
        return await fetcher.FetchAsync(repo, revision, files: null, progress, cancellationToken);
    }

    public void Dispose()
    {
        Server.Dispose();
        _cache.Dispose();
    }
}

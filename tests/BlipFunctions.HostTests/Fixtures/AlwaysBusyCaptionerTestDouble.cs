using Azure;
using BlipCaptioning;

namespace BlipFunctions.HostTests.Fixtures;

/// <summary>
/// Test double around the real captioner whose every caption fails the way throttled storage does (503 Server Busy),
/// a transient fault that never clears, to drive the host's retries to their last attempt.
/// </summary>
public sealed class AlwaysBusyCaptionerTestDouble(IImageCaptioner inner) : IImageCaptioner
{
    private int _calls;

    public int Calls => Volatile.Read(ref _calls);

    public Task<Caption> CaptionAsync(Stream image, CaptionSettings? settings = null, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _calls);
        throw new RequestFailedException(503, "The server is busy.", "ServerBusy", null);
    }

    public Task<IReadOnlyList<Caption>> CaptionBatchAsync(IReadOnlyList<Stream> images, CaptionSettings? settings = null, CancellationToken cancellationToken = default) =>
        inner.CaptionBatchAsync(images, settings, cancellationToken);

    public Task<ModelDescription> DescribeModelAsync(CancellationToken cancellationToken = default) => inner.DescribeModelAsync(cancellationToken);

    public Task<CaptionSettings> DefaultSettingsAsync(CancellationToken cancellationToken = default) => inner.DefaultSettingsAsync(cancellationToken);
}

using Azure;
using BlipCaptioning;

namespace BlipFunctions.Testing;

/// <summary>
/// Test double around the real captioner whose first call fails the way throttled storage does (503 Server Busy),
/// to force a transient failure; later calls are captioned by the real tiny model.
/// </summary>
public sealed class TransientFailureCaptionerTestDouble(IImageCaptioner inner) : IImageCaptioner
{
    private int _calls;

    public async Task<Caption> CaptionAsync(Stream image, CaptionSettings? settings = null, CancellationToken cancellationToken = default)
    {
        if (Interlocked.Increment(ref _calls) == 1)
        {
            throw new RequestFailedException(503, "The server is busy.", "ServerBusy", null);
        }

        return await inner.CaptionAsync(image, settings, cancellationToken);
    }

    public Task<IReadOnlyList<Caption>> CaptionBatchAsync(IReadOnlyList<Stream> images, CaptionSettings? settings = null, CancellationToken cancellationToken = default) =>
        inner.CaptionBatchAsync(images, settings, cancellationToken);

    public Task<ModelDescription> DescribeModelAsync(CancellationToken cancellationToken = default) => inner.DescribeModelAsync(cancellationToken);

    public Task<CaptionSettings> DefaultSettingsAsync(CancellationToken cancellationToken = default) => inner.DefaultSettingsAsync(cancellationToken);
}

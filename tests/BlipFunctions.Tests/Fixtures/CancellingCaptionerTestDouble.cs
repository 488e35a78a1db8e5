using BlipCaptioning;

namespace BlipFunctions.Tests.Fixtures;

/// <summary>
/// Test double around the real captioner: cancels <paramref name="invocation"/> when the model is first described, as
/// the host cancels an invocation (it is shutting down, or the request was aborted) after it has started its work. A
/// reconcile describes the model before it lists its first page, so its run is recorded by then.
/// </summary>
public sealed class CancellingCaptionerTestDouble(IImageCaptioner inner, CancellationTokenSource invocation) : IImageCaptioner
{
    public Task<Caption> CaptionAsync(Stream image, CaptionSettings? settings = null, CancellationToken cancellationToken = default) =>
        inner.CaptionAsync(image, settings, cancellationToken);

    public Task<IReadOnlyList<Caption>> CaptionBatchAsync(IReadOnlyList<Stream> images, CaptionSettings? settings = null, CancellationToken cancellationToken = default) =>
        inner.CaptionBatchAsync(images, settings, cancellationToken);

    public async Task<ModelDescription> DescribeModelAsync(CancellationToken cancellationToken = default)
    {
        await invocation.CancelAsync();
        return await inner.DescribeModelAsync(CancellationToken.None);
    }

    public Task<CaptionSettings> DefaultSettingsAsync(CancellationToken cancellationToken = default) => inner.DefaultSettingsAsync(cancellationToken);
}

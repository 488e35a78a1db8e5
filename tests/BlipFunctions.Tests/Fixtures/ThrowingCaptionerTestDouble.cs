using BlipCaptioning;

namespace BlipFunctions.Tests.Fixtures;

/// <summary>
/// Test double around the real captioner whose every caption throws what <paramref name="fault"/> throws, the way a
/// faulty decoder, ONNX Runtime or storage would; describing the model still works (the caption path asks for it).
/// </summary>
public sealed class ThrowingCaptionerTestDouble(IImageCaptioner inner, Action fault) : IImageCaptioner
{
    private int _calls;

    /// <summary>Captions attempted so far.</summary>
    public int Calls => _calls;

    public Task<Caption> CaptionAsync(Stream image, CaptionSettings? settings = null, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _calls);
        fault();
        throw new InvalidOperationException("The fault did not throw.");
    }

    public Task<IReadOnlyList<Caption>> CaptionBatchAsync(IReadOnlyList<Stream> images, CaptionSettings? settings = null, CancellationToken cancellationToken = default) =>
        inner.CaptionBatchAsync(images, settings, cancellationToken);

    public Task<ModelDescription> DescribeModelAsync(CancellationToken cancellationToken = default) => inner.DescribeModelAsync(cancellationToken);

    public Task<CaptionSettings> DefaultSettingsAsync(CancellationToken cancellationToken = default) => inner.DefaultSettingsAsync(cancellationToken);
}

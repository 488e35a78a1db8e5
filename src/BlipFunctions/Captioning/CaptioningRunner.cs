using BlipCaptioning;

namespace BlipFunctions.Captioning;

/// <summary>
/// The one way this app captions: makes sure the model is on disk, waits for a slot of the limiter, then calls the
/// shared <see cref="IImageCaptioner"/> (which loads the model lazily, once per worker).
/// </summary>
public sealed class CaptioningRunner(IImageCaptioner captioner, CaptioningLimiter limiter, ModelProvisioner model)
{
    /// <summary>The decoding every caption of this app uses: transformers' defaults (greedy, max_length 20).</summary>
    public static CaptionSettings Settings { get; } = CaptionSettings.Default;

    public async Task<Caption> CaptionAsync(Stream image, CancellationToken cancellationToken)
    {
        await model.EnsureModelAsync(cancellationToken).ConfigureAwait(false);
        using IDisposable slot = await limiter.AcquireAsync(cancellationToken).ConfigureAwait(false);
        return await captioner.CaptionAsync(image, Settings, cancellationToken).ConfigureAwait(false);
    }

    public async Task<ModelDescription> DescribeModelAsync(CancellationToken cancellationToken)
    {
        await model.EnsureModelAsync(cancellationToken).ConfigureAwait(false);
        return await captioner.DescribeModelAsync(cancellationToken).ConfigureAwait(false);
    }
}

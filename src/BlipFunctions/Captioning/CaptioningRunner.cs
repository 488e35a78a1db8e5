using BlipCaptioning;
using BlipCaptioning.Model;
using Microsoft.Extensions.Options;

namespace BlipFunctions.Captioning;

/// <summary>
/// The one way this app captions: makes sure the model is on disk, waits for a slot of the limiter, then calls the
/// shared <see cref="IImageCaptioner"/> (which loads the model lazily, once per worker) with the decoding settings
/// the configuration and the model's manifest give (transformers' defaults for BLIP base: greedy, max_length 20).
/// </summary>
public sealed class CaptioningRunner(IImageCaptioner captioner, CaptioningLimiter limiter, ModelProvisioner model, IOptions<CaptioningOptions> options)
{
    private volatile CaptionSettings? _settings;

    public async Task<CaptionRun> CaptionAsync(Stream image, CancellationToken cancellationToken)
    {
        CaptionSettings settings = await SettingsAsync(cancellationToken).ConfigureAwait(false);
        Caption caption;
        using (await limiter.AcquireAsync(cancellationToken).ConfigureAwait(false))
        {
            caption = await captioner.CaptionAsync(image, settings, cancellationToken).ConfigureAwait(false);
        }

        ModelDescription description = await captioner.DescribeModelAsync(cancellationToken).ConfigureAwait(false);
        return new CaptionRun(caption, settings, description);
    }

    /// <summary>The decoding settings every caption of this worker uses (recorded with each caption).</summary>
    public async Task<CaptionSettings> SettingsAsync(CancellationToken cancellationToken)
    {
        if (_settings is { } known)
        {
            return known;
        }

        await model.EnsureModelAsync(cancellationToken).ConfigureAwait(false);
        ModelDescription description = await captioner.DescribeModelAsync(cancellationToken).ConfigureAwait(false);
        BlipModelManifest manifest = BlipModelManifest.ReadFile(Path.Combine(description.Directory, BlipModelContract.ManifestFileName));
        _settings = options.Value.DefaultCaptionSettings(manifest.Generation);
        return _settings;
    }
}

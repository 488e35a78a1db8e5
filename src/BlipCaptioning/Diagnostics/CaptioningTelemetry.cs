using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace BlipCaptioning.Diagnostics;

/// <summary>
/// The names under which the captioner reports traces and metrics: one <see cref="ActivitySource"/> and one
/// <see cref="Meter"/>, both called <see cref="ActivitySourceName"/>. Nothing is recorded unless a listener
/// (OpenTelemetry's <c>AddSource("BlipCaptioning")</c> and <c>AddMeter("BlipCaptioning")</c>, or an
/// <see cref="ActivityListener"/>/<see cref="MeterListener"/>) subscribes; the library has no exporter of its own.
/// docs/operations.md lists every span, attribute and instrument.
/// </summary>
public static class CaptioningTelemetry
{
    /// <summary>The name of the captioner's <see cref="ActivitySource"/>.</summary>
    public const string ActivitySourceName = "BlipCaptioning";

    /// <summary>The name of the captioner's <see cref="Meter"/>.</summary>
    public const string MeterName = "BlipCaptioning";

    /// <summary>Span of one <see cref="IImageCaptioner.CaptionBatchAsync"/> call (one caption or one batch); the stages are its children.</summary>
    public const string CaptionSpan = "blip.caption";

    /// <summary>Span of one model load (the first caption of a process, or a retry after a failed load).</summary>
    public const string ModelLoadSpan = "blip.model.load";

    /// <summary>Histogram (seconds) of whole captioning calls, by <see cref="CaptioningAttributes.Outcome"/> and <see cref="CaptioningAttributes.ErrorType"/>.</summary>
    public const string CaptionDurationMetric = "blip.caption.duration";

    /// <summary>Histogram (seconds) of each stage, by <see cref="CaptioningAttributes.Stage"/> (the values of <see cref="CaptionStage"/>).</summary>
    public const string StageDurationMetric = "blip.caption.stage.duration";

    /// <summary>Counter of captioned images, by <see cref="CaptioningAttributes.Outcome"/> and <see cref="CaptioningAttributes.ErrorType"/>.</summary>
    public const string CaptionsMetric = "blip.captions";

    /// <summary>Counter of images decoded, by <see cref="CaptioningAttributes.ImageFormat"/>.</summary>
    public const string ImagesDecodedMetric = "blip.images.decoded";

    /// <summary>Counter of the encoded bytes of the images decoded (By), by <see cref="CaptioningAttributes.ImageFormat"/>.</summary>
    public const string ImageBytesMetric = "blip.images.decoded.bytes";

    /// <summary>Counter of tokens generated (decoder steps of every caption).</summary>
    public const string TokensGeneratedMetric = "blip.tokens.generated";

    /// <summary>Histogram (seconds) of model loads, by <see cref="CaptioningAttributes.Outcome"/>.</summary>
    public const string ModelLoadDurationMetric = "blip.model.load.duration";

    /// <summary>Up-down counter of captioning calls running now (admitted past <see cref="CaptioningOptions.MaxConcurrency"/>).</summary>
    public const string ActiveCaptionsMetric = "blip.captions.active";

    private static readonly string? s_version = typeof(CaptioningTelemetry).Assembly.GetName().Version?.ToString();

    internal static readonly ActivitySource Source = new(ActivitySourceName, s_version);

    internal static readonly Meter Meter = new(MeterName, s_version);

    internal static readonly Histogram<double> CaptionDuration = Meter.CreateHistogram<double>(
        CaptionDurationMetric, "s", "Duration of captioning calls, from admission to the last caption.");

    internal static readonly Histogram<double> StageDuration = Meter.CreateHistogram<double>(
        StageDurationMetric, "s", "Duration of each captioning stage.");

    internal static readonly Counter<long> Captions = Meter.CreateCounter<long>(
        CaptionsMetric, "{caption}", "Images captioned or refused, by outcome.");

    internal static readonly Counter<long> ImagesDecoded = Meter.CreateCounter<long>(
        ImagesDecodedMetric, "{image}", "Images decoded.");

    internal static readonly Counter<long> ImageBytes = Meter.CreateCounter<long>(
        ImageBytesMetric, "By", "Encoded bytes of the images decoded.");

    internal static readonly Counter<long> TokensGenerated = Meter.CreateCounter<long>(
        TokensGeneratedMetric, "{token}", "Tokens generated.");

    internal static readonly Histogram<double> ModelLoadDuration = Meter.CreateHistogram<double>(
        ModelLoadDurationMetric, "s", "Duration of model loads.");

    internal static readonly UpDownCounter<long> ActiveCaptions = Meter.CreateUpDownCounter<long>(
        ActiveCaptionsMetric, "{call}", "Captioning calls running now.");
}

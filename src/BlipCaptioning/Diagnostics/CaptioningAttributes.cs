namespace BlipCaptioning.Diagnostics;

/// <summary>The attribute (tag) names on the captioner's spans and metric points.</summary>
public static class CaptioningAttributes
{
    /// <summary>"succeeded", "failed" or "cancelled" (<see cref="CaptionOutcomes"/>).</summary>
    public const string Outcome = "blip.outcome";

    /// <summary>Why a call failed, a short category (<see cref="CaptioningErrorTypes"/>); absent on success. OpenTelemetry's own name.</summary>
    public const string ErrorType = "error.type";

    /// <summary>A stage name (<see cref="CaptionStage"/>), on <see cref="CaptioningTelemetry.StageDurationMetric"/>.</summary>
    public const string Stage = "blip.stage";

    /// <summary>How many images the call captions.</summary>
    public const string BatchSize = "blip.batch.size";

    /// <summary>The model's source (the manifest's <c>source</c>: hub repository and revision, a folder, or "random:preset:seed").</summary>
    public const string ModelSource = "blip.model.source";

    /// <summary>"fp32" or "int8".</summary>
    public const string ModelPrecision = "blip.model.precision";

    /// <summary>Decoded image width in pixels, upright (EXIF orientation applied).</summary>
    public const string ImageWidth = "blip.image.width";

    /// <summary>Decoded image height in pixels, upright (EXIF orientation applied).</summary>
    public const string ImageHeight = "blip.image.height";

    /// <summary>The image's format as detected from its bytes (JPEG, PNG, ...).</summary>
    public const string ImageFormat = "blip.image.format";

    /// <summary>The image's encoded size in bytes.</summary>
    public const string ImageBytes = "blip.image.bytes";

    /// <summary>Tokens generated (decoder steps), on the caption and generation spans.</summary>
    public const string TokensGenerated = "blip.tokens.generated";
}

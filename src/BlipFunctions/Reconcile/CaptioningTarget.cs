using System.Text.Json;
using BlipCaptioning;
using BlipFunctions.Captioning;
using BlipFunctions.Storage;

namespace BlipFunctions.Reconcile;

/// <summary>
/// What a caption made now would record: the model (its fingerprint, source and precision) and the decoding settings
/// as the row stores them. A succeeded row that records anything else was made by another model or other settings.
/// </summary>
public sealed record CaptioningTarget(string ModelFingerprint, string ModelSource, string ModelPrecision, string Decoding)
{
    /// <summary>Asks the captioner (loading the model if it is not loaded yet).</summary>
    public static async Task<CaptioningTarget> OfAsync(IImageCaptioner captioner, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(captioner);
        ModelDescription model = await captioner.DescribeModelAsync(cancellationToken).ConfigureAwait(false);
        CaptionSettings settings = await captioner.DefaultSettingsAsync(cancellationToken).ConfigureAwait(false);
        return new CaptioningTarget(model.Fingerprint, model.Source, model.Precision, JsonSerializer.Serialize(settings, CaptionJson.Options));
    }

    /// <summary>
    /// True when <paramref name="row"/> was made by this model with these settings. Rows written before fingerprints
    /// were recorded are judged by the model's source and precision.
    /// </summary>
    public bool Made(CaptionEntity row)
    {
        ArgumentNullException.ThrowIfNull(row);
        bool sameModel = row.ModelFingerprint is { } fingerprint
            ? fingerprint == ModelFingerprint
            : row.ModelSource == ModelSource && row.ModelPrecision == ModelPrecision;
        return sameModel && row.Decoding == Decoding;
    }
}

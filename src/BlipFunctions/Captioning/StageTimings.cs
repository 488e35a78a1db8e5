using BlipCaptioning;

namespace BlipFunctions.Captioning;

/// <summary>
/// The times the app records in a caption row and answers over HTTP, in milliseconds: the core's seven stage times
/// folded into four (docs/functions.md "The captions table"), the total and the decoder steps.
/// </summary>
/// <param name="VisionMs">The vision encoder and the cross-attention keys and values.</param>
/// <param name="GenerateMs">The search over the text decoder and the detokenizer.</param>
public sealed record StageTimings(double? DecodeMs, double? PreprocessMs, double? VisionMs, double? GenerateMs, double? TotalMs, int? Steps)
{
    /// <summary>The four stages of one caption's <paramref name="timings"/>.</summary>
    public static StageTimings Of(CaptionTimings timings)
    {
        ArgumentNullException.ThrowIfNull(timings);
        return new StageTimings(
            timings.Decode.TotalMilliseconds,
            timings.Preprocess.TotalMilliseconds,
            (timings.Vision + timings.CrossAttention).TotalMilliseconds,
            (timings.Generate + timings.Detokenize).TotalMilliseconds,
            timings.Total.TotalMilliseconds,
            timings.Steps);
    }
}

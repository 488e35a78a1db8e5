namespace BlipCaptioning.Diagnostics;

/// <summary>
/// The captioning stages, in order: their names are the <see cref="CaptioningAttributes.Stage"/> values and, with a
/// "blip." prefix, the names of their spans (children of <see cref="CaptioningTelemetry.CaptionSpan"/>).
/// </summary>
public static class CaptionStage
{
    /// <summary>Reading and decoding one image (one span per image).</summary>
    public const string Decode = "decode";

    /// <summary>Resize and normalise every image into the pixel tensor.</summary>
    public const string Preprocess = "preprocess";

    /// <summary>The vision encoder graph.</summary>
    public const string VisionEncoder = "vision_encoder";

    /// <summary>The text_cross_kv graph (every decoder layer's cross-attention keys and values).</summary>
    public const string CrossKv = "cross_kv";

    /// <summary>Greedy or beam search over the text decoder.</summary>
    public const string Generate = "generate";

    /// <summary>Token ids back to text.</summary>
    public const string Detokenize = "detokenize";

    /// <summary>The span name of a stage.</summary>
    public static string SpanName(string stage) => "blip." + stage;
}

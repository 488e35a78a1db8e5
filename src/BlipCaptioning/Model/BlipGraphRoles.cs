namespace BlipCaptioning.Model;

/// <summary>Keys of <see cref="BlipModelManifest.Graphs"/>.</summary>
public static class BlipGraphRoles
{
    public const string VisionEncoder = "vision_encoder";
    public const string TextCrossAttention = "text_cross_kv";
    public const string TextDecoder = "text_decoder";
}

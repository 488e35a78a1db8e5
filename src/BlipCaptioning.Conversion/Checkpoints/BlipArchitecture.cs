using BlipCaptioning.Model;

namespace BlipCaptioning.Conversion.Checkpoints;

/// <summary>The sizes of a BlipForConditionalGeneration, read from config.json (never from class defaults).</summary>
public sealed record BlipArchitecture(VisionDimensions Vision, TextDimensions Text, SpecialTokenIds Tokens);

using BlipCaptioning;

namespace BlipFunctions.Captioning;

/// <summary>A caption with the decoding settings and the model that made it.</summary>
public sealed record CaptionRun(Caption Caption, CaptionSettings Settings, ModelDescription Model);

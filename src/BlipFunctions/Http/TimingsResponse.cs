namespace BlipFunctions.Http;

/// <summary>Milliseconds per stage of captioning.</summary>
public sealed record TimingsResponse(double? DecodeMs, double? PreprocessMs, double? VisionMs, double? GenerateMs, double? TotalMs, int? Steps);

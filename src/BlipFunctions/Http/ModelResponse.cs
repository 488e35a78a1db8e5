namespace BlipFunctions.Http;

/// <summary>The model that made a caption; <paramref name="Fingerprint"/> is null for captions made before it was recorded.</summary>
public sealed record ModelResponse(string Source, string Precision, string? Fingerprint);

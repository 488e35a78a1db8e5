namespace BlipFunctions.Http;

/// <summary>The model that made a caption.</summary>
public sealed record ModelResponse(string Source, string Precision);

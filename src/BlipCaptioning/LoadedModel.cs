namespace BlipCaptioning;

/// <summary>The model an <see cref="ImageCaptioner"/> has loaded, and its load.</summary>
/// <param name="Source">The manifest's <c>source</c> (hub repository and revision, a folder, or "random:preset:seed").</param>
/// <param name="Precision">"fp32" or "int8".</param>
/// <param name="Directory">The model folder (full path).</param>
/// <param name="LoadTime">How long the load took (manifest, hashes, ONNX Runtime sessions, tokenizer).</param>
/// <param name="LoadedAt">When the load ended.</param>
public sealed record LoadedModel(string Source, string Precision, string Directory, TimeSpan LoadTime, DateTimeOffset LoadedAt);

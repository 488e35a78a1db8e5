namespace BlipFunctions.Health;

/// <summary>The body of <c>GET /api/health</c> (docs/operations.md).</summary>
/// <param name="Status">"healthy", or "unhealthy" when a storage check failed or no model can be had (the answer is then 503).</param>
/// <param name="Version">The app's version (its informational version: semantic version and commit).</param>
/// <param name="Model">The model: provisioned, loaded, which one.</param>
/// <param name="Storage">One check per storage service of the CaptionStorage connection.</param>
/// <param name="ElapsedMs">How long the checks took.</param>
public sealed record HealthReport(string Status, string Version, ModelHealth Model, StorageHealth Storage, double ElapsedMs);

/// <summary>The model's state, read without loading it.</summary>
/// <param name="Provisioned">The model folder holds blip-model.json (copied from the model blob folder, or deployed).</param>
/// <param name="CopiedFromBlobFolder">Captioning__ModelBlobUri is set: the first caption copies the model when it is not provisioned.</param>
/// <param name="Loaded">The ONNX Runtime sessions are loaded in this worker (the first caption loads them).</param>
/// <param name="Source">The manifest's source (hub repository, folder, or "random:preset:seed"); null when not provisioned.</param>
/// <param name="Revision">The revision part of a "repository@revision" source; null otherwise.</param>
/// <param name="Precision">"fp32" or "int8"; null when not provisioned.</param>
/// <param name="LoadTimeMs">How long the load took; null until loaded.</param>
/// <param name="LoadedAt">When the load ended; null until loaded.</param>
/// <param name="Problem">Why the model cannot be had, when it cannot; null otherwise.</param>
public sealed record ModelHealth(bool Provisioned, bool CopiedFromBlobFolder, bool Loaded, string? Source, string? Revision, string? Precision,
    double? LoadTimeMs, DateTimeOffset? LoadedAt, string? Problem);

/// <summary>The storage checks.</summary>
public sealed record StorageHealth(StorageCheck Blobs, StorageCheck Tables, StorageCheck Queues);

/// <summary>One storage check.</summary>
/// <param name="Reachable">The service answered as the app's identity with the access the app needs.</param>
/// <param name="Detail">What was checked and found, or what failed (status and error code; never a key, URI or path).</param>
/// <param name="ElapsedMs">How long the check took.</param>
/// <param name="PoisonMessages">For queues: the approximate number of blobs in the blob trigger's poison queue.</param>
public sealed record StorageCheck(bool Reachable, string Detail, double ElapsedMs, int? PoisonMessages = null);

using Azure;

namespace BlipFunctions.Storage;

/// <summary>A keyword index entry as one invocation wrote it (its ETag lets that invocation take it back safely).</summary>
public sealed record KeywordIndexEntry(string PartitionKey, string RowKey, ETag ETag);

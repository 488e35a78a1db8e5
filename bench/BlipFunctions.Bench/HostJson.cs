using System.Text.Json;

namespace BlipFunctions.Bench;

/// <summary>The repository's host.json settings the burst uses.</summary>
internal static class HostJson
{
    /// <summary>extensions.blobs.maxDegreeOfParallelism: blob-triggered invocations at once on one instance.</summary>
    public static int MaxDegreeOfParallelism(string repository)
    {
        using JsonDocument host = JsonDocument.Parse(File.ReadAllText(Path.Combine(repository, "host.json")));
        return host.RootElement.TryGetProperty("extensions", out JsonElement extensions)
               && extensions.TryGetProperty("blobs", out JsonElement blobs)
               && blobs.TryGetProperty("maxDegreeOfParallelism", out JsonElement value)
            ? value.GetInt32()
            : throw new BenchUsageException("host.json has no extensions.blobs.maxDegreeOfParallelism; pass --parallelism.");
    }
}

namespace BlipFunctions.Bench;

/// <summary>A bad option or a missing prerequisite: one line on stderr, exit code 1.</summary>
internal sealed class BenchUsageException(string message) : Exception(message);

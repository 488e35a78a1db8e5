namespace BlipFunctions.HostTests.Fixtures;

/// <summary>The worker process ended while the host waited for it; the message carries its exit code and output.</summary>
public sealed class WorkerExitedException(string message) : Exception(message);

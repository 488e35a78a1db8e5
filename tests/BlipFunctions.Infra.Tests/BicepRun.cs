namespace BlipFunctions.Infra.Tests;

/// <summary>What one run of the Bicep CLI printed and how it ended.</summary>
internal sealed record BicepRun(int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>Everything printed, for assertion messages.</summary>
    public string Transcript => $"exit code {ExitCode}\nstdout:\n{StandardOutput}\nstderr:\n{StandardError}";
}

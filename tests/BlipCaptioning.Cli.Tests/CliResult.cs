namespace BlipCaptioning.Cli.Tests;

/// <summary>What one in-process run of the blip command returned and printed.</summary>
internal sealed record CliResult(int ExitCode, string Output, string Error)
{
    public string[] OutputLines => Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public string[] ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>True when stderr holds anything that looks like a .NET stack trace.</summary>
    public bool HasStackTrace => Error.Contains("   at ", StringComparison.Ordinal) || Error.Contains("Exception:", StringComparison.Ordinal);
}

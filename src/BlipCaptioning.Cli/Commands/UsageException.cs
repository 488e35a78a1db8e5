namespace BlipCaptioning.Cli.Commands;

/// <summary>The command line asks for something impossible (found after parsing); exit code <see cref="ExitCodes.Usage"/>.</summary>
internal sealed class UsageException(string message) : Exception(message);

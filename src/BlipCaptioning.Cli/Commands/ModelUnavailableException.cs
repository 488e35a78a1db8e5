namespace BlipCaptioning.Cli.Commands;

/// <summary>The model folder cannot be used; the message says which command makes one. Exit code <see cref="ExitCodes.ModelUnavailable"/>.</summary>
internal sealed class ModelUnavailableException(string message, Exception? innerException = null) : Exception(message, innerException);

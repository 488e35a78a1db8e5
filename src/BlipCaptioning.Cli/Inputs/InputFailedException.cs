namespace BlipCaptioning.Cli.Inputs;

/// <summary>One input cannot be captioned, for a reason the CLI knows how to name (see <see cref="FailureKind"/>).</summary>
internal sealed class InputFailedException(FailureKind kind, string message, Exception? innerException = null)
    : Exception(message, innerException)
{
    public FailureKind Kind { get; } = kind;
}

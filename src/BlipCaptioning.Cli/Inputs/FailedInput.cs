namespace BlipCaptioning.Cli.Inputs;

/// <summary>An argument that failed before there was anything to read (it names nothing); it keeps its place in the output.</summary>
internal sealed class FailedInput(string name, FailureKind kind, string message) : CaptionInput
{
    public override string Name => name;

    public FailureKind Kind => kind;

    public string Message => message;

    public override Task<Stream> OpenAsync(CancellationToken cancellationToken) => throw new InputFailedException(kind, message);
}

namespace BlipCaptioning.Errors;

/// <summary>
/// The input is not an image we can caption: empty, truncated, not an image, an unsupported format, or over a limit.
/// The message is meant for a person; it is terminal (retrying the same bytes gives the same error).
/// </summary>
public sealed class UnsupportedImageException : CaptioningException
{
    public UnsupportedImageException(string message) : base(message) { }
    public UnsupportedImageException(string message, Exception? innerException) : base(message, innerException) { }
}

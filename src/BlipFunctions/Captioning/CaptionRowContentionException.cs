namespace BlipFunctions.Captioning;

/// <summary>A blob's row or content kept changing while it was being captioned; the host retries the invocation.</summary>
public sealed class CaptionRowContentionException : Exception
{
    public CaptionRowContentionException(string message) : base(message) { }

    public CaptionRowContentionException() { }

    public CaptionRowContentionException(string message, Exception innerException) : base(message, innerException) { }
}

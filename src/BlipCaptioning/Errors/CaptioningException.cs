namespace BlipCaptioning.Errors;

/// <summary>Base type of every error the captioning library raises on purpose.</summary>
public class CaptioningException : Exception
{
    public CaptioningException(string message) : base(message) { }
    public CaptioningException(string message, Exception? innerException) : base(message, innerException) { }
}

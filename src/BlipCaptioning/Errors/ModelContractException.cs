namespace BlipCaptioning.Errors;

/// <summary>A model directory or graph does not match the model contract (names, shapes, dtypes, manifest).</summary>
public sealed class ModelContractException : CaptioningException
{
    public ModelContractException(string message) : base(message) { }
    public ModelContractException(string message, Exception? innerException) : base(message, innerException) { }
}

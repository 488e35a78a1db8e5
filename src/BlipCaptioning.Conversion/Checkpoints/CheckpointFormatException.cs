using BlipCaptioning.Errors;

namespace BlipCaptioning.Conversion.Checkpoints;

/// <summary>
/// A checkpoint file (config.json, model.safetensors, pytorch_model.bin, ...) is missing, malformed, unsafe or does
/// not describe a BlipForConditionalGeneration. The message names the file and the field or tensor at fault.
/// </summary>
public sealed class CheckpointFormatException : CaptioningException
{
    public CheckpointFormatException(string message) : base(message) { }
    public CheckpointFormatException(string message, Exception? innerException) : base(message, innerException) { }
}

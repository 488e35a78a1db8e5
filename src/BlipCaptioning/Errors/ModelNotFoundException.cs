namespace BlipCaptioning.Errors;

/// <summary>A model directory, or one of its files, does not exist. The message says how to make a model.</summary>
public sealed class ModelNotFoundException : CaptioningException
{
    public ModelNotFoundException(string message) : base(message) { }
    public ModelNotFoundException(string message, Exception? innerException) : base(message, innerException) { }

    /// <summary>How to make a model directory, for messages that name a missing one.</summary>
    public static string HowToMakeAModel(string directory) =>
        $"Make one with `blip model fetch --out {directory}` (Salesforce/blip-image-captioning-base from the Hugging Face hub) "
        + $"or, to try the pipeline with random weights, `blip model random --preset tiny --out {directory}`; "
        + "then point Captioning__ModelDirectory (or `blip caption --model`) at it.";
}

using BlipCaptioning.Errors;
using BlipCaptioning.Inference;

namespace BlipCaptioning.Diagnostics;

/// <summary>
/// The short, fixed categories a failure is reported under (<see cref="CaptioningAttributes.ErrorType"/>), so
/// dashboards group failures by cause without the message's cardinality.
/// </summary>
public static class CaptioningErrorTypes
{
    /// <summary>The image is not one the captioner reads (format, size, damage, decode budget).</summary>
    public const string UnsupportedImage = "unsupported_image";

    /// <summary>No model in the model folder.</summary>
    public const string ModelNotFound = "model_not_found";

    /// <summary>The model folder does not match the contract (or its weights hold NaN).</summary>
    public const string ModelContract = "model_contract";

    /// <summary>The caption settings are out of range for the model.</summary>
    public const string InvalidSettings = "invalid_settings";

    /// <summary>The caller cancelled.</summary>
    public const string Cancelled = "cancelled";

    /// <summary>Another captioning error.</summary>
    public const string Captioning = "captioning";

    /// <summary>The category of <paramref name="exception"/>; for an exception the captioner does not define, its type's full name.</summary>
    public static string Of(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception switch
        {
            UnsupportedImageException => UnsupportedImage,
            ModelNotFoundException => ModelNotFound,
            ModelContractException => ModelContract,
            CaptioningException => Captioning,
            OperationCanceledException => Cancelled,
            ArgumentException => InvalidSettings,
            _ => exception.GetType().FullName ?? exception.GetType().Name,
        };
    }
}

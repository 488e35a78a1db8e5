namespace BlipCaptioning.Diagnostics;

/// <summary>The values of <see cref="CaptioningAttributes.Outcome"/>.</summary>
public static class CaptionOutcomes
{
    /// <summary>The call returned its captions.</summary>
    public const string Succeeded = "succeeded";

    /// <summary>The call threw; <see cref="CaptioningAttributes.ErrorType"/> says why.</summary>
    public const string Failed = "failed";

    /// <summary>The caller's token was cancelled.</summary>
    public const string Cancelled = "cancelled";
}
